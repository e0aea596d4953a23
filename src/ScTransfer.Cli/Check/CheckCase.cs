namespace ScTransfer.Cli.Check;

/// <summary>What a case needs beyond plain requests, so options can leave it out.</summary>
[Flags]
internal enum CaseNeeds
{
    None = 0,

    /// <summary>Creates short-lived mailboxes (deleted at the end); left out by nothing but <c>--case</c>.</summary>
    Mailboxes = 1,

    /// <summary>Writes to mailboxes after creating them, retries creates, or uploads a large body: <c>--skip-state-changes</c>.</summary>
    StateChanges = 2,

    /// <summary>Waits for a mailbox to expire: <c>--skip-slow</c>.</summary>
    Slow = 4,

    /// <summary>Only meaningful for an https URL; skipped for http, saying so.</summary>
    Https = 8,
}

/// <summary>
/// One numbered check, after h2spec's: number, group, what a conforming relay does, and the section it rests on.
/// <see cref="Run"/> passes by returning, fails or skips by throwing <see cref="CaseFailedException"/> or <see cref="CaseSkippedException"/>.
/// </summary>
internal sealed record CheckCase(int Number, string Group, string Name, string Reference, CaseNeeds Needs, Func<CheckContext, CancellationToken, Task<string?>> Run)
{
    /// <summary>
    /// Runs before every case, for a case whose wait can overlap the others (the expiry case creates its mailbox first
    /// and looks at it last). A failure here is the case's failure.
    /// </summary>
    public Func<CheckContext, CancellationToken, Task>? Start { get; init; }
}

/// <summary>A case's verdict: what was expected and what came back. Never a claim, a token, a payload or a secret.</summary>
internal sealed class CaseFailedException(string expected, string actual) : Exception($"expected {expected}; actual {actual}")
{
    public string Expected { get; } = expected;

    public string Actual { get; } = actual;
}

/// <summary>The case does not apply to this relay or this run; the reason says why.</summary>
internal sealed class CaseSkippedException(string reason) : Exception(reason)
{
    public string Reason { get; } = reason;
}

/// <summary>The run's request budget (<c>--max-requests</c>) is spent: the remaining cases are skipped.</summary>
internal sealed class RequestBudgetSpentException(int limit) : Exception($"the request budget of {limit} is spent (--max-requests)");

internal enum CaseOutcome
{
    Pass,
    Fail,
    Skip,
}

/// <summary>How one case ended.</summary>
internal sealed record CaseResult(CheckCase Case, CaseOutcome Outcome, TimeSpan Duration, string? Expected = null, string? Actual = null, string? Note = null);
