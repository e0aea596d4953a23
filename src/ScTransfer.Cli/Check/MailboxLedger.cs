namespace ScTransfer.Cli.Check;

/// <summary>
/// Every mailbox the check asked for, with the claims that asked, so that each is deleted at the end whatever became of
/// the case that made it (a failure, an interruption, a budget spent). An identifier is written down before its create
/// is sent: a create whose answer was lost may still have made the mailbox.
/// </summary>
internal sealed class MailboxLedger
{
    private readonly Dictionary<Guid, Entry> _entries = [];

    private enum State
    {
        Unknown,
        Created,
        Refused,
        Gone,
    }

    /// <summary>Mailboxes that exist or may exist because of this run (a create answered 2xx, or not at all).</summary>
    public int Created
    {
        get
        {
            lock (_entries)
            {
                return _entries.Values.Count(e => e.Made);
            }
        }
    }

    /// <summary>Of <see cref="Created"/>, those known to be gone: deleted, or answering 404 to the clean-up.</summary>
    public int Deleted
    {
        get
        {
            lock (_entries)
            {
                return _entries.Values.Count(e => e.Made && e.State == State.Gone);
            }
        }
    }

    public void Asking(Guid mailbox, Guid claim)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(mailbox, out var entry))
            {
                _entries[mailbox] = entry = new Entry();
            }

            entry.Claims.Add(claim);
        }
    }

    /// <summary>The create's answer: 2xx made it (or found it made), 4xx refused it; anything else leaves it unknown.</summary>
    public void Answered(Guid mailbox, int status)
    {
        lock (_entries)
        {
            var entry = _entries[mailbox];
            if (status is >= 200 and < 300)
            {
                entry.State = State.Created;
                entry.Made = true;
            }
            else if (status is >= 400 and < 500 && entry.State == State.Unknown && !entry.Made)
            {
                entry.State = State.Refused;
            }
        }
    }

    public void Gone(Guid mailbox)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(mailbox, out var entry))
            {
                entry.State = State.Gone;
            }
        }
    }

    /// <summary>What the clean-up deletes: every mailbox made (or perhaps made) and not yet gone, with the claims to try.</summary>
    public IReadOnlyList<(Guid Mailbox, IReadOnlyList<Guid> Claims)> Open()
    {
        lock (_entries)
        {
            foreach (var entry in _entries.Values.Where(e => e.State == State.Unknown))
            {
                entry.Made = true; // no answer: assume the worst
            }

            return [.. _entries.Where(e => e.Value.Made && e.Value.State != State.Gone).Select(e => (e.Key, (IReadOnlyList<Guid>)[.. e.Value.Claims]))];
        }
    }

    private sealed class Entry
    {
        public List<Guid> Claims { get; } = [];

        public State State { get; set; }

        public bool Made { get; set; }
    }
}

/// <summary>
/// The run's secrets (claims, tokens, payloads, keys) and identifiers, replaced in everything the report prints: the
/// cases never put them there, and this makes sure a relay that echoes them cannot either.
/// </summary>
internal sealed class Redactor
{
    private readonly Dictionary<string, string> _secrets = new(StringComparer.OrdinalIgnoreCase);

    public T Secret<T>(T value, string placeholder)
        where T : notnull
    {
        var text = value.ToString()!;
        if (text.Length >= 8)
        {
            lock (_secrets)
            {
                _secrets[text] = placeholder;
            }
        }

        return value;
    }

    public string? Clean(string? text)
    {
        if (text is null)
        {
            return null;
        }

        lock (_secrets)
        {
            foreach (var (secret, placeholder) in _secrets.OrderByDescending(s => s.Key.Length))
            {
                text = text.Replace(secret, placeholder, StringComparison.OrdinalIgnoreCase);
            }
        }

        return text;
    }
}
