using System.Net.Security;

namespace ScTransfer.Cli.Check;

/// <summary>
/// One run of <c>sct check</c>: the TLS case first (nothing is sent to a relay whose certificate a device would refuse),
/// then whether the relay answers at all, then the cases in their order, and in every case, interrupted or not, the
/// clean-up that deletes each mailbox the run made.
/// </summary>
internal static class CheckRun
{
    /// <summary>The clean-up's own bound, on top of whatever interrupted the run.</summary>
    private static readonly TimeSpan CleanUpTime = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ReachInterval = TimeSpan.FromSeconds(5);

    public static IReadOnlyList<CheckCase> Catalog() => [.. DraftCases.All().Concat(DeploymentCases.All()).OrderBy(c => c.Number)];

    public static async Task<CheckReport> RunAsync(CheckSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var clock = time.GetTimestamp();
        var certificates = new CertificatePolicy(settings.TrustedRoots);
        using var sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // a redirect is an answer to report (association files), never to follow
            UseCookies = false,
            ConnectTimeout = settings.RequestTimeout < TimeSpan.FromSeconds(10) ? settings.RequestTimeout : TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5), // below the relay's keep-alive timeout (10 s)
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => settings.Insecure || certificates.Problem(certificate, chain, errors) is null,
            },
        };
        using var handler = new PoliteHandler(sockets, settings.MaxRequests, time);
        using var http = new HttpClient(handler, disposeHandler: false) { Timeout = settings.RequestTimeout };
        var check = new CheckContext(settings, http, handler, certificates, time);
        var cases = Catalog().Where(c => settings.Only?.Contains(c.Number) ?? true).ToList();
        var results = new Dictionary<int, CaseResult>();
        string? error = null;
        var interrupted = false;
        try
        {
            if (cases.FirstOrDefault(c => c.Number == DeploymentCases.TlsCase) is { } tls)
            {
                results[tls.Number] = await RunCaseAsync(check, tls, null, cancellationToken);
            }

            string? stop = null;
            if (check.CertificateProblem is not null && !settings.Insecure)
            {
                stop = $"nothing was sent: case {DeploymentCases.TlsCase} found no TLS connection a device would accept; --insecure checks the rest anyway";
            }
            else if (await ReachAsync(check, cancellationToken) is { } unreachable)
            {
                error = unreachable;
                stop = "the relay did not answer";
            }

            var startFailures = new Dictionary<int, Exception>();
            foreach (var @case in cases.Where(c => c.Start is not null && stop is null && OptionSkip(c, settings) is null))
            {
                try
                {
                    await @case.Start!(check, cancellationToken);
                }
                catch (Exception e) when (e is CaseFailedException or CaseSkippedException or RequestBudgetSpentException)
                {
                    startFailures[@case.Number] = e;
                }
            }

            foreach (var @case in cases.Where(c => !results.ContainsKey(c.Number)))
            {
                var skip = stop ?? OptionSkip(@case, settings);
                results[@case.Number] = skip is not null
                    ? new CaseResult(@case, CaseOutcome.Skip, TimeSpan.Zero, Note: skip)
                    : await RunCaseAsync(check, @case, startFailures.GetValueOrDefault(@case.Number), cancellationToken);
                if (handler.Requests >= handler.MaxRequests)
                {
                    stop = $"the request budget of {handler.MaxRequests} is spent (--max-requests)";
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
        }
        finally
        {
            await CleanUpAsync(check);
        }

        var ordered = cases.Select(c => results.TryGetValue(c.Number, out var r) ? r : new CaseResult(c, CaseOutcome.Skip, TimeSpan.Zero, Note: "interrupted"))
            .Select(r => r with { Expected = check.Redactor.Clean(r.Expected), Actual = check.Redactor.Clean(r.Actual), Note = check.Redactor.Clean(r.Note) })
            .ToList();
        return new CheckReport(settings.Relay, started, time.GetElapsedTime(clock), ordered,
            new RunStatistics(handler.Requests, settings.MaxRequests, handler.Throttled, handler.Waited, check.Ledger.Created, check.Ledger.Deleted),
            check.Redactor.Clean(error), interrupted);
    }

    /// <summary>Why the command line leaves a case out, or null when it runs.</summary>
    private static string? OptionSkip(CheckCase @case, CheckSettings settings) =>
        @case.Needs.HasFlag(CaseNeeds.Slow) && settings.SkipSlow
            ? $"--skip-slow: it waits {settings.ExpiryTimeToLive.TotalSeconds + 2:0} s for a mailbox to expire"
            : @case.Needs.HasFlag(CaseNeeds.StateChanges) && settings.SkipStateChanges
                ? "--skip-state-changes: it writes to mailboxes after making them, retries creates, or uploads 1 MiB"
                : null;

    private static async Task<CaseResult> RunCaseAsync(CheckContext check, CheckCase @case, Exception? startFailure, CancellationToken cancellationToken)
    {
        var clock = check.Time.GetTimestamp();
        CaseResult Ended(CaseOutcome outcome, string? expected = null, string? actual = null, string? note = null) =>
            new(@case, outcome, check.Time.GetElapsedTime(clock), expected, actual, note);
        try
        {
            if (startFailure is not null)
            {
                throw startFailure;
            }

            return Ended(CaseOutcome.Pass, note: await @case.Run(check, cancellationToken));
        }
        catch (CaseFailedException failed)
        {
            return Ended(CaseOutcome.Fail, failed.Expected, failed.Actual);
        }
        catch (CaseSkippedException skipped)
        {
            return Ended(CaseOutcome.Skip, note: skipped.Reason);
        }
        catch (RequestBudgetSpentException spent)
        {
            return Ended(CaseOutcome.Skip, note: spent.Message);
        }
    }

    /// <summary>
    /// Whether anything answers at the URL: a GET of a mailbox that does not exist (any HTTP answer will do). With
    /// <c>--wait</c>, a relay that is still starting (no answer, or 502/503/504) is asked again every 5 s until then.
    /// </summary>
    private static async Task<string?> ReachAsync(CheckContext check, CancellationToken cancellationToken)
    {
        var clock = check.Time.GetTimestamp();
        while (true)
        {
            string problem;
            try
            {
                var answer = await check.PreviewAsync(check.Unknown(), "a first GET", cancellationToken);
                if (answer.Status is not (502 or 503 or 504))
                {
                    return null;
                }

                problem = $"it answers {answer.Describe()}";
                if (check.Time.GetElapsedTime(clock) + ReachInterval > check.Settings.WaitForRelay)
                {
                    return null; // it answers: the cases say what is wrong
                }
            }
            catch (CaseFailedException e)
            {
                problem = e.Actual;
            }
            catch (RequestBudgetSpentException e)
            {
                return e.Message;
            }

            if (check.Time.GetElapsedTime(clock) + ReachInterval > check.Settings.WaitForRelay)
            {
                return $"the relay at {check.Settings.Relay} did not answer: {problem}";
            }

            await Task.Delay(ReachInterval, check.Time, cancellationToken);
        }
    }

    /// <summary>
    /// Deletes every mailbox the ledger holds open, with each claim that asked for it until one may (404 counts as gone).
    /// It runs after an interruption too, under its own time bound, and its deletes come on top of <c>--max-requests</c>.
    /// </summary>
    private static async Task CleanUpAsync(CheckContext check)
    {
        using var bound = new CancellationTokenSource(CleanUpTime);
        var open = check.Ledger.Open();
        check.Handler.Extend(open.Sum(o => o.Claims.Count));
        foreach (var (mailbox, claims) in open)
        {
            foreach (var claim in claims.Where(c => c != Guid.Empty))
            {
                try
                {
                    var answer = await check.DeleteAsync(mailbox, claim, "the clean-up's delete", bound.Token);
                    if (answer.Status is 200 or 404)
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is CaseFailedException or RequestBudgetSpentException or OperationCanceledException)
                {
                    break; // it expires within its 5 minutes; the summary counts it as left
                }
            }
        }
    }
}
