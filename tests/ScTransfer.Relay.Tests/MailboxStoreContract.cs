using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// What every <see cref="IMailboxStore"/> must do, run against the Azure Table store on Azurite and against the
/// in-memory double the protocol tests use, so the double cannot drift from the real thing.
/// </summary>
public abstract class MailboxStoreContract
{
    protected static readonly TimeSpan Retention = TimeSpan.FromDays(7);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A fresh, empty store whose tombstones stay <see cref="Retention"/> after expiry.</summary>
    protected abstract IMailboxStore Store { get; }

    private static Mailbox NewMailbox(TimeSpan lifetime, int payloadLength = 64)
    {
        var id = MailboxId.New();
        return new Mailbox
        {
            Id = id,
            SenderClaimHash = Bytes(32, 1),
            AccessRights = AccessRights.Read | AccessRights.Write,
            CreatedAt = Now,
            ExpiresAt = Now + lifetime,
            DisplayInformationJson = """{"title":"Car Key"}""",
            Payload = new SecurePayload("AES256", Bytes(payloadLength, 2)),
            OperationId = Guid.NewGuid(),
        };
    }

    private static byte[] Bytes(int length, byte seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed + (i * 7));
        }

        return bytes;
    }

    /// <summary>Every public property of a mailbox, as text, so that a property one store forgets shows up.</summary>
    private static Dictionary<string, string> Describe(Mailbox mailbox) =>
        typeof(Mailbox).GetProperties()
            .Where(p => p.Name != nameof(Mailbox.Version))
            .ToDictionary(p => p.Name, p => Text(p.GetValue(mailbox)));

    private static string Text(object? value) => value switch
    {
        null => "null",
        byte[] bytes => Convert.ToHexString(bytes),
        SecurePayload payload => payload.Type + ":" + Convert.ToHexString(payload.Data),
        SealedToken token => token.Type + ":" + Convert.ToHexString(token.Sealed),
        DateTimeOffset at => at.UtcDateTime.ToString("O"),
        _ => value.ToString() ?? "",
    };

    /// <summary>A mailbox with every property set to a value of its own (a new property of Mailbox must be set here).</summary>
    private static Mailbox FullMailbox(MailboxId id, int payloadLength) => new()
    {
        Id = id,
        SenderClaimHash = Bytes(32, 1),
        ReceiverClaimHash = Bytes(32, 2),
        AccessRights = AccessRights.Read | AccessRights.Write | AccessRights.Delete,
        CreatedAt = Now,
        ExpiresAt = Now.AddHours(1),
        DisplayInformationJson = """{"title":"Car Key","description":"Door 3"}""",
        Payload = new SecurePayload("AES256", Bytes(payloadLength, 3)),
        SenderToken = new SealedToken("fcm", Bytes(60, 4)),
        ReceiverToken = new SealedToken("apns", Bytes(61, 5)),
        SenderLastCorrelation = Bytes(32, 6),
        ReceiverLastCorrelation = Bytes(32, 7),
        RelinquishedClaimHash = Bytes(32, 8),
        RelinquishedCorrelation = Bytes(32, 9),
        PushCount = 3,
        SenderLastPushAt = Now.AddMinutes(1),
        ReceiverLastPushAt = Now.AddMinutes(2),
        OperationId = Guid.NewGuid(),
    };

    /// <summary>The properties each narrower view brings back (besides the identifier and the version).</summary>
    public static TheoryData<MailboxView, string[]> Views => new()
    {
        { MailboxView.Display, [nameof(Mailbox.ExpiresAt), nameof(Mailbox.DisplayInformationJson)] },
        {
            MailboxView.Access,
            [
                nameof(Mailbox.ExpiresAt), nameof(Mailbox.OperationId), nameof(Mailbox.SenderClaimHash), nameof(Mailbox.ReceiverClaimHash),
                nameof(Mailbox.AccessRights), nameof(Mailbox.SenderLastCorrelation), nameof(Mailbox.ReceiverLastCorrelation),
                nameof(Mailbox.RelinquishedClaimHash), nameof(Mailbox.RelinquishedCorrelation),
            ]
        },
        {
            MailboxView.Push,
            [
                nameof(Mailbox.ExpiresAt), nameof(Mailbox.SenderClaimHash), nameof(Mailbox.ReceiverClaimHash),
                nameof(Mailbox.SenderToken), nameof(Mailbox.ReceiverToken),
            ]
        },
        {
            MailboxView.WithoutPayload,
            [.. typeof(Mailbox).GetProperties().Select(p => p.Name).Except([nameof(Mailbox.Payload), nameof(Mailbox.Version), nameof(Mailbox.View), nameof(Mailbox.IsTombstone), nameof(Mailbox.Id)])]
        },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public async Task A_narrower_view_reads_only_its_properties_and_never_the_payload(MailboxView view, string[] expected)
    {
        var mailbox = FullMailbox(MailboxId.New(), 200);
        Assert.True(await Store.TryAddAsync(mailbox, default));
        var sent = Describe(mailbox);
        var blank = Describe(new Mailbox { Id = mailbox.Id, ExpiresAt = mailbox.ExpiresAt }); // what a property not read holds

        var read = (await Store.GetAsync(mailbox.Id, view, default))!;

        Assert.Equal(view, read.View);
        Assert.Equal(mailbox.Version, read.Version);
        Assert.Null(read.Payload);
        foreach (var (property, value) in Describe(read).Where(p => p.Key is not (nameof(Mailbox.Id) or nameof(Mailbox.View) or nameof(Mailbox.IsTombstone))))
        {
            Assert.True(value == (expected.Contains(property) ? sent[property] : blank[property]), $"{view}: {property} = {value}");
        }
    }

    [Fact]
    public async Task A_replace_needs_a_mailbox_read_with_everything_but_the_payload_and_a_payload()
    {
        var mailbox = FullMailbox(MailboxId.New(), 100);
        Assert.True(await Store.TryAddAsync(mailbox, default));

        var narrow = (await Store.GetAsync(mailbox.Id, MailboxView.Access, default))!;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.TryReplaceAsync(narrow, default));
        var withoutPayload = (await Store.GetAsync(mailbox.Id, MailboxView.WithoutPayload, default))!;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.TryReplaceAsync(withoutPayload, default));

        // UpdateMailbox: everything but the payload read, a new payload written, the rest kept.
        withoutPayload.Payload = new SecurePayload("AES128", Bytes(70_000, 11));
        withoutPayload.OperationId = Guid.NewGuid();
        Assert.Equal(WriteOutcome.Written, await Store.TryReplaceAsync(withoutPayload, default));
        var stored = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;
        var expected = Describe(mailbox);
        expected[nameof(Mailbox.Payload)] = Text(withoutPayload.Payload);
        expected[nameof(Mailbox.OperationId)] = withoutPayload.OperationId.ToString();
        Assert.Equal(expected, Describe(stored));
    }

    [Fact]
    public async Task A_relinquish_clears_the_receiver_with_a_merge_and_leaves_the_rest_as_stored()
    {
        var mailbox = FullMailbox(MailboxId.New(), 100);
        Assert.True(await Store.TryAddAsync(mailbox, default));

        var access = (await Store.GetAsync(mailbox.Id, MailboxView.Access, default))!;
        access.RelinquishedClaimHash = access.ReceiverClaimHash;
        access.RelinquishedCorrelation = Bytes(32, 12);
        access.ReceiverClaimHash = null;
        access.ReceiverToken = null;
        access.ReceiverLastCorrelation = null;
        access.ReceiverLastPushAt = null;
        access.OperationId = Guid.NewGuid();
        Assert.Equal(WriteOutcome.Written, await Store.TryWriteReceiverAsync(access, default));

        var stored = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;
        var expected = Describe(mailbox);
        expected[nameof(Mailbox.ReceiverClaimHash)] = "null";
        expected[nameof(Mailbox.ReceiverToken)] = "null";
        expected[nameof(Mailbox.ReceiverLastCorrelation)] = "null";
        expected[nameof(Mailbox.ReceiverLastPushAt)] = "null";
        expected[nameof(Mailbox.RelinquishedClaimHash)] = Text(mailbox.ReceiverClaimHash);
        expected[nameof(Mailbox.RelinquishedCorrelation)] = Text(access.RelinquishedCorrelation);
        expected[nameof(Mailbox.OperationId)] = access.OperationId.ToString();
        Assert.Equal(expected, Describe(stored));
    }

    [Fact]
    public async Task Every_property_of_a_mailbox_round_trips_and_a_payload_past_64_KiB_comes_back_whole()
    {
        var id = MailboxId.New();
        var mailbox = FullMailbox(id, (3 * 64 * 1024) + 123); // several 64 KiB chunks for Table storage
        var sent = Describe(mailbox);
        Assert.All(sent.Where(p => p.Key is not (nameof(Mailbox.IsTombstone) or nameof(Mailbox.View))), p => Assert.NotEqual(Text(DefaultOf(p.Key)), p.Value)); // a new property must be set here

        Assert.True(await Store.TryAddAsync(mailbox, default));
        var read = await Store.GetAsync(id, MailboxView.Full, default);

        Assert.NotNull(mailbox.Version);
        Assert.Equal(mailbox.Version, read!.Version);
        Assert.Equal(sent, Describe(read));
    }

    private static object? DefaultOf(string property)
    {
        var type = typeof(Mailbox).GetProperty(property)!.PropertyType;
        return type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;
    }

    [Fact]
    public async Task A_mailbox_never_stored_reads_as_null_and_every_conditional_write_on_it_is_gone()
    {
        var other = NewMailbox(TimeSpan.FromHours(1));
        Assert.True(await Store.TryAddAsync(other, default));
        var mailbox = NewMailbox(TimeSpan.FromHours(1));
        mailbox.Version = other.Version; // a version this store gave, of another mailbox

        Assert.Null(await Store.GetAsync(mailbox.Id, MailboxView.Full, default));
        Assert.Equal(WriteOutcome.Gone, await Store.TryReplaceAsync(mailbox, default));
        Assert.Equal(WriteOutcome.Gone, await Store.TryWriteReceiverAsync(mailbox, default));
        Assert.Equal(WriteOutcome.Gone, await Store.TryTombstoneAsync(mailbox, default));
        Assert.Null(await Store.GetAsync(mailbox.Id, MailboxView.Full, default));
    }

    [Fact]
    public async Task A_conditional_write_without_a_version_this_store_gave_throws_and_changes_nothing()
    {
        var mailbox = FullMailbox(MailboxId.New(), 100);
        Assert.True(await Store.TryAddAsync(mailbox, default));
        var stored = Describe(mailbox);
        mailbox.Version = null; // a bug, not a lost race: never an unconditional write
        mailbox.OperationId = Guid.NewGuid();

        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.TryReplaceAsync(mailbox, default));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.TryWriteReceiverAsync(mailbox, default));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.TryTombstoneAsync(mailbox, default));

        Assert.Equal(stored, Describe((await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!));
    }

    [Fact]
    public async Task Adding_a_taken_identifier_is_refused_and_leaves_the_first_mailbox_as_it_was()
    {
        var first = NewMailbox(TimeSpan.FromHours(1));
        Assert.True(await Store.TryAddAsync(first, default));
        var second = NewMailbox(TimeSpan.FromHours(2));
        var taken = new Mailbox
        {
            Id = first.Id,
            SenderClaimHash = Bytes(32, 99),
            AccessRights = second.AccessRights,
            CreatedAt = second.CreatedAt,
            ExpiresAt = second.ExpiresAt,
            DisplayInformationJson = "{}",
            Payload = second.Payload,
            OperationId = Guid.NewGuid(),
        };

        Assert.False(await Store.TryAddAsync(taken, default));
        var stored = await Store.GetAsync(first.Id, MailboxView.Full, default);
        Assert.Equal(first.OperationId, stored!.OperationId);
        Assert.Equal(first.Version, stored.Version);
        Assert.Equal(Describe(first), Describe(stored));
    }

    [Fact]
    public async Task A_replace_at_the_version_read_is_written_and_moves_the_version_and_a_stale_one_conflicts()
    {
        var mailbox = NewMailbox(TimeSpan.FromHours(1));
        Assert.True(await Store.TryAddAsync(mailbox, default));
        var stale = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;
        var fresh = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;

        fresh.Payload = new SecurePayload("AES128", Bytes(10, 5));
        fresh.PushCount = 1;
        fresh.OperationId = Guid.NewGuid();
        Assert.Equal(WriteOutcome.Written, await Store.TryReplaceAsync(fresh, default));
        Assert.NotEqual(stale.Version, fresh.Version);

        stale.Payload = new SecurePayload("AES128", Bytes(10, 9));
        stale.OperationId = Guid.NewGuid();
        Assert.Equal(WriteOutcome.Conflict, await Store.TryReplaceAsync(stale, default));

        var stored = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;
        Assert.Equal(fresh.Version, stored.Version);
        Assert.Equal(Describe(fresh), Describe(stored));
    }

    [Fact]
    public async Task A_bind_records_only_the_receiver_and_the_operation_id_and_a_stale_bind_conflicts()
    {
        var mailbox = NewMailbox(TimeSpan.FromHours(1));
        Assert.True(await Store.TryAddAsync(mailbox, default));
        var first = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;
        var second = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;

        first.ReceiverClaimHash = Bytes(32, 40);
        first.OperationId = Guid.NewGuid();
        first.PushCount = 9; // not part of a bind: must not be written
        Assert.Equal(WriteOutcome.Written, await Store.TryWriteReceiverAsync(first, default));
        second.ReceiverClaimHash = Bytes(32, 50);
        second.OperationId = Guid.NewGuid();
        Assert.Equal(WriteOutcome.Conflict, await Store.TryWriteReceiverAsync(second, default));

        var stored = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;
        Assert.Equal(first.ReceiverClaimHash, stored.ReceiverClaimHash);
        Assert.Equal(first.OperationId, stored.OperationId);
        Assert.Equal(0, stored.PushCount);
        Assert.Equal(mailbox.Payload!.Data, stored.Payload!.Data);
        Assert.Equal(first.Version, stored.Version);
    }

    [Fact]
    public async Task Of_two_writers_racing_on_the_same_version_exactly_one_wins()
    {
        var mailbox = NewMailbox(TimeSpan.FromHours(1));
        Assert.True(await Store.TryAddAsync(mailbox, default));
        var readers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Store.GetAsync(mailbox.Id, MailboxView.Full, default))).DefaultTimeout();

        var outcomes = await Task.WhenAll(readers.Select((m, i) =>
        {
            m!.ReceiverClaimHash = Bytes(32, (byte)i);
            m.OperationId = Guid.NewGuid();
            return Store.TryWriteReceiverAsync(m, default);
        })).DefaultTimeout();

        Assert.Single(outcomes, o => o == WriteOutcome.Written);
        Assert.Equal(3, outcomes.Count(o => o == WriteOutcome.Conflict));
    }

    [Fact]
    public async Task A_tombstone_keeps_the_identifier_the_expiry_and_the_operation_id_and_nothing_else()
    {
        var mailbox = NewMailbox(TimeSpan.FromHours(1));
        mailbox.ReceiverClaimHash = Bytes(32, 3);
        mailbox.SenderToken = new SealedToken("fcm", Bytes(40, 4));
        mailbox.SenderLastCorrelation = Bytes(32, 5);
        Assert.True(await Store.TryAddAsync(mailbox, default));
        var read = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;
        var stale = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;
        read.OperationId = Guid.NewGuid();

        Assert.Equal(WriteOutcome.Written, await Store.TryTombstoneAsync(read, default));
        var tombstone = (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!;

        Assert.True(tombstone.IsTombstone);
        Assert.Equal(read.Version, tombstone.Version);
        Assert.Equal(Describe(Mailbox.Tombstone(mailbox.Id, mailbox.ExpiresAt, read.OperationId, null)), Describe(tombstone));
        Assert.False(await Store.TryAddAsync(NewMailboxWithId(mailbox.Id), default)); // the identifier stays taken
        stale.OperationId = Guid.NewGuid();
        Assert.Equal(WriteOutcome.Conflict, await Store.TryTombstoneAsync(stale, default));
        Assert.Equal(WriteOutcome.Conflict, await Store.TryReplaceAsync(stale, default));
    }

    private static Mailbox NewMailboxWithId(MailboxId id)
    {
        var template = NewMailbox(TimeSpan.FromHours(1));
        return new Mailbox
        {
            Id = id,
            SenderClaimHash = template.SenderClaimHash,
            AccessRights = template.AccessRights,
            CreatedAt = template.CreatedAt,
            ExpiresAt = template.ExpiresAt,
            DisplayInformationJson = template.DisplayInformationJson,
            Payload = template.Payload,
            OperationId = Guid.NewGuid(),
        };
    }

    [Fact]
    public async Task The_purge_tombstones_expired_mailboxes_removes_tombstones_past_retention_and_leaves_the_rest_untouched()
    {
        var live = NewMailbox(TimeSpan.FromDays(30));
        var expired = NewMailbox(TimeSpan.FromMinutes(1));
        var deleted = NewMailbox(TimeSpan.FromMinutes(1));
        var deletedLongLived = NewMailbox(TimeSpan.FromDays(30));
        foreach (var m in new[] { live, expired, deleted, deletedLongLived })
        {
            Assert.True(await Store.TryAddAsync(m, default));
        }

        foreach (var m in new[] { deleted, deletedLongLived })
        {
            m.OperationId = Guid.NewGuid();
            Assert.Equal(WriteOutcome.Written, await Store.TryTombstoneAsync(m, default));
        }

        // At the expiry: the expired mailbox loses its content; tombstones wait for their retention; the live one is not written.
        var first = await Store.PurgeExpiredAsync(Now.AddMinutes(2), Budget, default);
        Assert.Equal((1, 0, 0, true), (first.Tombstoned, first.Deleted, first.Skipped, first.Complete));
        var emptied = (await Store.GetAsync(expired.Id, MailboxView.Full, default))!;
        Assert.True(emptied.IsTombstone);
        Assert.Equal(expired.ExpiresAt, emptied.ExpiresAt);
        Assert.Equal(live.Version, (await Store.GetAsync(live.Id, MailboxView.Full, default))!.Version);
        Assert.Equal(deleted.Version, (await Store.GetAsync(deleted.Id, MailboxView.Full, default))!.Version);

        // One second before the retention ends nothing goes; at its end both short-lived tombstones go.
        var early = await Store.PurgeExpiredAsync(Now.AddMinutes(1) + Retention - TimeSpan.FromSeconds(1), Budget, default);
        var due = await Store.PurgeExpiredAsync(Now.AddMinutes(1) + Retention, Budget, default);

        Assert.Equal((0, 0), (early.Tombstoned, early.Deleted));
        Assert.Equal((0, 2), (due.Tombstoned, due.Deleted));
        Assert.Null(await Store.GetAsync(expired.Id, MailboxView.Full, default));
        Assert.Null(await Store.GetAsync(deleted.Id, MailboxView.Full, default));
        Assert.True((await Store.GetAsync(deletedLongLived.Id, MailboxView.Full, default))!.IsTombstone); // retention counts from its own expiry
        Assert.Equal(live.Version, (await Store.GetAsync(live.Id, MailboxView.Full, default))!.Version);
        Assert.True(await Store.TryAddAsync(NewMailboxWithId(deleted.Id), default)); // only now may the identifier come back
    }

    [Fact]
    public async Task A_push_recorded_with_its_update_is_due_at_its_time_moves_when_rescheduled_and_goes_when_removed()
    {
        var mailbox = NewMailbox(TimeSpan.FromDays(1));
        Assert.True(await Store.TryAddAsync(mailbox, default));
        var read = (await Store.GetAsync(mailbox.Id, MailboxView.WithoutPayload, default))!;
        read.Payload = new SecurePayload("AES256", Bytes(64, 9));
        read.OperationId = Guid.NewGuid();
        var push = new PendingPush(mailbox.Id, MailboxRole.Sender, Bytes(32, 1), Now, 0, Now + TimeSpan.FromSeconds(15));

        Assert.Equal(WriteOutcome.Written, await Store.TryReplaceAndRecordPushAsync(read, push, default));

        Assert.Equal(9, (await Store.GetAsync(mailbox.Id, MailboxView.Full, default))!.Payload!.Data[0]); // the update landed with it
        Assert.Empty(await Store.DuePushesAsync(Now + TimeSpan.FromSeconds(14), 10, default));
        var due = Assert.Single(await Store.DuePushesAsync(Now + TimeSpan.FromSeconds(15), 10, default));
        Assert.Equal((push.MailboxId, push.Recipient, push.Since, push.DueAt, 0), (due.MailboxId, due.Recipient, due.Since, due.DueAt, due.Attempts));
        Assert.Equal(push.RecipientClaimHash, due.RecipientClaimHash);

        var moved = await Store.TryReschedulePushAsync(due, Now + TimeSpan.FromMinutes(1), default);
        Assert.NotNull(moved);
        Assert.Null(await Store.TryReschedulePushAsync(due, Now + TimeSpan.FromMinutes(2), default)); // settled meanwhile: loses
        Assert.Empty(await Store.DuePushesAsync(Now + TimeSpan.FromSeconds(59), 10, default));
        Assert.Equal(1, Assert.Single(await Store.DuePushesAsync(Now + TimeSpan.FromMinutes(1), 10, default)).Attempts);
        Assert.False(await Store.TryRemovePushAsync(due, default)); // an old version
        Assert.True(await Store.TryRemovePushAsync(Assert.Single(await Store.DuePushesAsync(Now + TimeSpan.FromMinutes(1), 10, default)), default));
        Assert.Empty(await Store.DuePushesAsync(Now + TimeSpan.FromDays(1), 10, default));
    }

    [Fact]
    public async Task An_update_that_loses_its_race_records_no_push()
    {
        var mailbox = NewMailbox(TimeSpan.FromDays(1));
        Assert.True(await Store.TryAddAsync(mailbox, default));
        var first = (await Store.GetAsync(mailbox.Id, MailboxView.WithoutPayload, default))!;
        var second = (await Store.GetAsync(mailbox.Id, MailboxView.WithoutPayload, default))!;
        first.Payload = second.Payload = new SecurePayload("AES256", Bytes(64, 3));
        Assert.Equal(WriteOutcome.Written, await Store.TryReplaceAsync(first, default));

        var push = new PendingPush(mailbox.Id, MailboxRole.Receiver, Bytes(32, 5), Now, 0, Now);
        Assert.Equal(WriteOutcome.Conflict, await Store.TryReplaceAndRecordPushAsync(second, push, default));

        Assert.Empty(await Store.DuePushesAsync(Now + TimeSpan.FromDays(1), 10, default));
    }

    [Fact]
    public async Task A_purge_with_no_time_left_does_nothing_and_says_it_is_incomplete()
    {
        var expired = NewMailbox(TimeSpan.FromMinutes(1));
        Assert.True(await Store.TryAddAsync(expired, default));

        var spent = await Store.PurgeExpiredAsync(Now.AddMinutes(5), TimeSpan.Zero, default);
        var next = await Store.PurgeExpiredAsync(Now.AddMinutes(5), Budget, default);

        Assert.Equal((0, false), (spent.Tombstoned, spent.Complete));
        Assert.Equal((1, true), (next.Tombstoned, next.Complete));
    }

    [Fact]
    public async Task A_purge_with_nothing_due_changes_nothing()
    {
        var live = NewMailbox(TimeSpan.FromHours(1));
        Assert.True(await Store.TryAddAsync(live, default));

        var report = await Store.PurgeExpiredAsync(Now.AddMinutes(59), Budget, default);

        Assert.Equal(new PurgeReport(0, 0, 0, true), report);
        Assert.Equal(live.Version, (await Store.GetAsync(live.Id, MailboxView.Full, default))!.Version);
    }
}

/// <summary>The contract, on the in-memory double.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class InMemoryMailboxStoreContractTests : MailboxStoreContract
{
    private readonly InMemoryMailboxStore _store = new(Retention);

    protected override IMailboxStore Store => _store;

    [Fact]
    public async Task The_purge_looks_only_at_due_entries_however_many_live_mailboxes_there_are()
    {
        var now = DateTimeOffset.UnixEpoch.AddYears(56);
        for (var i = 0; i < 500; i++)
        {
            Assert.True(await _store.TryAddAsync(Mailbox(now.AddDays(1)), default));
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await _store.TryAddAsync(Mailbox(now.AddSeconds(-1)), default));
        }

        var report = await _store.PurgeExpiredAsync(now, TimeSpan.FromSeconds(1), default);

        Assert.Equal(3, report.Tombstoned);
        Assert.Equal(3, _store.PurgeExamined);

        static Mailbox Mailbox(DateTimeOffset expiresAt) => new()
        {
            Id = MailboxId.New(),
            SenderClaimHash = new byte[32],
            AccessRights = AccessRights.Read,
            CreatedAt = expiresAt.AddHours(-1),
            ExpiresAt = expiresAt,
            DisplayInformationJson = "{}",
            Payload = new SecurePayload("AES256", new byte[16]),
        };
    }
}

/// <summary>The contract, on the Azure Table store over Azurite (a table of its own per test).</summary>
[Trait(Needs.Trait, Needs.Azurite)]
public sealed class AzuriteMailboxStoreContractTests : MailboxStoreContract
{
    private readonly MailboxStore _store;

    public AzuriteMailboxStoreContractTests()
    {
        // The SDK client's default limits, as for StoreHarness.
        var storage = new StorageOptions
        {
            MailboxTable = Azurite.UniqueTableName("contract"),
            ConnectionString = Azurite.ConnectionString,
        };
        _store = new MailboxStore(
            Azurite.CreateServiceClient(),
            new MailboxShards(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), storage.Shards),
            Options.Create(storage),
            Options.Create(new PurgeOptions { TombstoneRetention = Retention }),
            NullLogger<MailboxStore>.Instance);
        _store.EnsureTableAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    protected override IMailboxStore Store => _store;
}
