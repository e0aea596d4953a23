using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Xml.Linq;

namespace ScTransfer.Cli.Check;

/// <summary>What the run cost the relay.</summary>
internal sealed record RunStatistics(int Requests, int MaxRequests, int Throttled, TimeSpan Waited, int MailboxesCreated, int MailboxesDeleted);

/// <summary>
/// The outcome of one run, written for people (<see cref="WriteText"/>, h2spec's layout: cases by group, each failure
/// with what was expected and what came back, a summary), for scripts (<see cref="ToJson"/>) and for CI systems
/// (<see cref="ToJUnit"/>). Everything in it has been through the run's <see cref="Redactor"/>.
/// </summary>
internal sealed record CheckReport(Uri Relay, DateTimeOffset Started, TimeSpan Duration, IReadOnlyList<CaseResult> Results, RunStatistics Statistics, string? Error, bool Interrupted)
{
    public const string Draft = "draft-secure-credential-transfer-00 and later revisions (docs/compatibility.md)";

    public int Passed => Results.Count(r => r.Outcome == CaseOutcome.Pass);

    public int Failed => Results.Count(r => r.Outcome == CaseOutcome.Fail);

    public int Skipped => Results.Count(r => r.Outcome == CaseOutcome.Skip);

    /// <summary>Nothing failed and the relay answered.</summary>
    public bool Succeeded => Failed == 0 && Error is null;

    public void WriteText(TextWriter output)
    {
        output.WriteLine($"sct check {Relay}");
        output.WriteLine($"Secure Credential Transfer relay: {Draft}");
        if (Error is not null)
        {
            output.WriteLine();
            output.WriteLine($"Error: {Error}");
        }

        foreach (var group in Results.GroupBy(r => r.Case.Group))
        {
            output.WriteLine();
            output.WriteLine(group.Key);
            foreach (var result in group)
            {
                output.WriteLine($"  {Label(result.Outcome),-4} {result.Case.Number,2}  {result.Case.Name}  [{result.Case.Reference}]");
                if (result.Outcome == CaseOutcome.Fail)
                {
                    output.WriteLine($"            expected: {result.Expected}");
                    output.WriteLine($"              actual: {result.Actual}");
                }
                else if (result.Note is not null)
                {
                    output.WriteLine($"            {result.Note}");
                }
            }
        }

        var s = Statistics;
        output.WriteLine();
        output.WriteLine($"{Results.Count} cases: {Passed} passed, {Failed} failed, {Skipped} skipped{(Interrupted ? " (interrupted)" : "")}, in {Expect.Seconds(Duration)}.");
        output.WriteLine($"Requests: {s.Requests} (at most {s.MaxRequests}), paced under the relay's default rate limits"
            + $" (waited {Expect.Seconds(s.Waited)}); {s.Throttled} answered 429 or 503.");
        output.WriteLine($"Mailboxes: {s.MailboxesCreated} made, {s.MailboxesDeleted} deleted"
            + (s.MailboxesCreated > s.MailboxesDeleted ? $", {s.MailboxesCreated - s.MailboxesDeleted} left to expire within {CheckContext.MailboxLifetimeSeconds / 60} minutes." : "."));
        if (Failed > 0)
        {
            output.WriteLine($"Failed: {string.Join(", ", Results.Where(r => r.Outcome == CaseOutcome.Fail).Select(r => r.Case.Number))}");
        }
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("relay", Relay.AbsoluteUri);
            json.WriteString("checks", Draft);
            json.WriteString("started", Started.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteNumber("seconds", Math.Round(Duration.TotalSeconds, 3));
            json.WriteString("error", Error);
            json.WriteBoolean("interrupted", Interrupted);
            json.WriteStartObject("summary");
            json.WriteNumber("cases", Results.Count);
            json.WriteNumber("passed", Passed);
            json.WriteNumber("failed", Failed);
            json.WriteNumber("skipped", Skipped);
            json.WriteNumber("requests", Statistics.Requests);
            json.WriteNumber("maxRequests", Statistics.MaxRequests);
            json.WriteNumber("throttled", Statistics.Throttled);
            json.WriteNumber("waitedSeconds", Math.Round(Statistics.Waited.TotalSeconds, 3));
            json.WriteNumber("mailboxesMade", Statistics.MailboxesCreated);
            json.WriteNumber("mailboxesDeleted", Statistics.MailboxesDeleted);
            json.WriteEndObject();
            json.WriteStartArray("cases");
            foreach (var result in Results)
            {
                json.WriteStartObject();
                json.WriteNumber("number", result.Case.Number);
                json.WriteString("group", result.Case.Group);
                json.WriteString("name", result.Case.Name);
                json.WriteString("reference", result.Case.Reference);
                json.WriteString("result", result.Outcome switch { CaseOutcome.Pass => "pass", CaseOutcome.Fail => "fail", _ => "skip" });
                json.WriteNumber("seconds", Math.Round(result.Duration.TotalSeconds, 3));
                if (result.Outcome == CaseOutcome.Fail)
                {
                    json.WriteString("expected", result.Expected);
                    json.WriteString("actual", result.Actual);
                }
                else if (result.Note is not null)
                {
                    json.WriteString(result.Outcome == CaseOutcome.Skip ? "reason" : "note", result.Note);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>JUnit XML as CI systems read it: one testsuite per group, one testcase per case.</summary>
    public XDocument ToJUnit()
    {
        static string Time(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        var suites = new XElement("testsuites",
            new XAttribute("name", "sct check " + Relay.AbsoluteUri),
            new XAttribute("tests", Results.Count + (Error is null ? 0 : 1)),
            new XAttribute("failures", Failed),
            new XAttribute("errors", Error is null ? 0 : 1),
            new XAttribute("skipped", Skipped),
            new XAttribute("time", Time(Duration)),
            new XAttribute("timestamp", Started.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)));
        if (Error is not null)
        {
            suites.Add(new XElement("testsuite", new XAttribute("name", "sct check"), new XAttribute("tests", 1), new XAttribute("errors", 1),
                new XElement("testcase", new XAttribute("classname", "sct check"), new XAttribute("name", "The relay answers at its URL"),
                    new XElement("error", new XAttribute("message", Error)))));
        }

        foreach (var group in Results.GroupBy(r => r.Case.Group))
        {
            var suite = new XElement("testsuite",
                new XAttribute("name", group.Key),
                new XAttribute("tests", group.Count()),
                new XAttribute("failures", group.Count(r => r.Outcome == CaseOutcome.Fail)),
                new XAttribute("errors", 0),
                new XAttribute("skipped", group.Count(r => r.Outcome == CaseOutcome.Skip)),
                new XAttribute("time", Time(TimeSpan.FromTicks(group.Sum(r => r.Duration.Ticks)))));
            foreach (var result in group)
            {
                var testcase = new XElement("testcase",
                    new XAttribute("classname", "sct check." + group.Key),
                    new XAttribute("name", $"{result.Case.Number}. {result.Case.Name} [{result.Case.Reference}]"),
                    new XAttribute("time", Time(result.Duration)));
                switch (result.Outcome)
                {
                    case CaseOutcome.Fail:
                        testcase.Add(new XElement("failure", new XAttribute("message", $"expected {result.Expected}; actual {result.Actual}"),
                            $"expected: {result.Expected}\nactual: {result.Actual}"));
                        break;
                    case CaseOutcome.Skip:
                        testcase.Add(new XElement("skipped", new XAttribute("message", result.Note ?? "")));
                        break;
                    default:
                        if (result.Note is not null)
                        {
                            testcase.Add(new XElement("system-out", result.Note));
                        }

                        break;
                }

                suite.Add(testcase);
            }

            suites.Add(suite);
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites);
    }

    private static string Label(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Pass => "pass",
        CaseOutcome.Fail => "FAIL",
        _ => "skip",
    };
}
