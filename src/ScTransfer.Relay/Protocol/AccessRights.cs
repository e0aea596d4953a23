namespace ScTransfer.Relay.Protocol;

/// <summary>Access rights of a mailbox (draft §6.1.4 <c>accessRights</c>): R read, W write, D delete.</summary>
[Flags]
public enum AccessRights
{
    None = 0,
    Read = 1,
    Write = 2,
    Delete = 4,
}

internal static class AccessRightsFormat
{
    /// <summary>Draft §6.1.4: "Default access to the mailbox is Read and Delete."</summary>
    public const AccessRights Default = AccessRights.Read | AccessRights.Delete;

    /// <summary>Parses a combination of the letters R, W and D, each at most once, in any order.</summary>
    public static bool TryParse(string text, out AccessRights rights)
    {
        rights = AccessRights.None;
        if (text.Length is 0 or > 3)
        {
            return false;
        }

        foreach (var c in text)
        {
            var flag = c switch
            {
                'R' => AccessRights.Read,
                'W' => AccessRights.Write,
                'D' => AccessRights.Delete,
                _ => AccessRights.None,
            };
            if (flag == AccessRights.None || rights.HasFlag(flag))
            {
                return false;
            }

            rights |= flag;
        }

        return true;
    }

    public static string Format(AccessRights rights) =>
        string.Concat(
            rights.HasFlag(AccessRights.Read) ? "R" : "",
            rights.HasFlag(AccessRights.Write) ? "W" : "",
            rights.HasFlag(AccessRights.Delete) ? "D" : "");
}
