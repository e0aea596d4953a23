namespace ScTransfer.Relay.Diagnostics;

/// <summary>
/// Every event id the relay logs with, in one place (as YARP's <c>EventIds</c>), so that logs can be filtered and alerted
/// on by id rather than by their wording, which may change. Ranges by area; an id, once given, keeps its meaning. In
/// Application Insights an id is the <c>EventId</c> custom dimension of the log line (docs/operations.md).
/// </summary>
public static class EventIds
{
    // 1000–1099: start-up and configuration.
    public const int PushOn = 1001;
    public const int PushOff = 1002;
    public const int PushKeyVaultUnresolved = 1003;
    /// <summary>Wrong settings: the relay does not start (one line naming each; SettingsCheck).</summary>
    public const int SettingsRefused = 1004;
    public const int PushNoPlatform = 1005;
    public const int TimerScheduled = 1010;
    public const int StartupNoticeReplayed = 1020;
    public const int StartupNoticesDropped = 1021;

    // 1100–1199: Table storage.
    public const int MailboxTableReady = 1101;

    /// <summary>
    /// The wording of <see cref="MailboxTableReady"/>, the line tests wait for before their first request. The
    /// Functions host prints a worker's line as its category and message, without the id, so there they match this text.
    /// </summary>
    public const string MailboxTableReadyMessage = "Mailbox table is ready.";

    public const int StorageNotReachableYet = 1102;
    public const int TableMissing = 1103;
    public const int StorageUnavailable = 1104;
    public const int StorageBreakerOpened = 1110;
    public const int StorageBreakerClosed = 1111;

    // 1200–1299: the purge.
    public const int PurgeCompleted = 1201;
    public const int PurgeOutOfTime = 1202;
    public const int TimerFunctionFailed = 1203;
    public const int PurgeStorageUnavailable = 1204;

    // 1300–1399: pushes.
    public const int PushAccepted = 1301;
    public const int PushRefused = 1302;
    public const int PushGaveUp = 1303;
    public const int PushTimedOut = 1304;
    public const int PushFailed = 1305;
    public const int PushUnsupportedToken = 1306;
    public const int PushSkipped = 1310;
    public const int PushDropped = 1311;
    public const int PushSettleFailed = 1312;
    public const int PushRetryRun = 1313;

    // 1400–1499: Privacy Pass.
    public const int PrivacyPassChallenged = 1401;
    public const int PrivacyPassRefused = 1402;
    public const int PrivacyPassAccepted = 1403;
    public const int SpentTokenTableUnavailable = 1410;
    public const int SpentTokenTablesPurged = 1411;

    // 1500–1599: HTTP.
    public const int UnhandledFailure = 1501;
    /// <summary>Refusals of one reason, summarised at most once a minute (never one line per refusal).</summary>
    public const int RequestsRefusedSummary = 1502;

    // 1503 is retired: it was a line per rate-limited request, which let a client choose the log's volume.
}
