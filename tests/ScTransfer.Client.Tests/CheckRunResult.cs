using System.Text.Json;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>One <c>sct check --json</c> run as the tests read it.</summary>
public sealed record CheckRunResult(RunResult Run, JsonElement Report)
{
    public int ExitCode => Run.ExitCode;

    public JsonElement Summary => Report.GetProperty("summary");

    public IEnumerable<JsonElement> Cases => Report.GetProperty("cases").EnumerateArray();

    public SortedSet<int> Numbered(string result) => [.. Cases.Where(c => c.GetProperty("result").GetString() == result).Select(c => c.GetProperty("number").GetInt32())];

    public SortedSet<int> Failed => Numbered("fail");

    public SortedSet<int> Skipped => Numbered("skip");

    public JsonElement Case(int number) => Cases.Single(c => c.GetProperty("number").GetInt32() == number);

    public int SummaryNumber(string name) => Summary.GetProperty(name).GetInt32();

    /// <summary>What a failing assertion shows: the run's failures as the report words them.</summary>
    public override string ToString() =>
        $"exit {ExitCode}; failed {string.Join(",", Failed)}; skipped {string.Join(",", Skipped)}\n"
        + string.Join("\n", Cases.Where(c => c.GetProperty("result").GetString() == "fail")
            .Select(c => $"{c.GetProperty("number")}: expected {c.GetProperty("expected")}; actual {c.GetProperty("actual")}"))
        + "\n" + Run.Error;

    /// <summary>Runs <c>sct check --json</c> with <paramref name="options"/> against <paramref name="relay"/>, bounded by 5 minutes.</summary>
    public static async Task<CheckRunResult> StartAsync(Uri relay, string[] options, CancellationToken cancellationToken = default)
    {
        var run = await Programs.SctAsync(["check", relay.AbsoluteUri, "--json", .. options], cancellationToken: cancellationToken)
            .DefaultTimeout(TimeSpan.FromMinutes(5));
        using var report = JsonDocument.Parse(run.OutputText);
        return new CheckRunResult(run, report.RootElement.Clone());
    }
}
