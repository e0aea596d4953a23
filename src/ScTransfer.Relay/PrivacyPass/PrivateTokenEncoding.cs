namespace ScTransfer.Relay.PrivacyPass;

/// <summary>base64url with padding as RFC 9577 §2.1.2 sends it; reading also takes standard base64 and missing padding.</summary>
internal static class PrivateTokenEncoding
{
    public static string ToBase64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

    public static bool TryDecodeBase64(string? text, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrWhiteSpace(text) || text.Length > 8192)
        {
            return false;
        }

        var standard = text.Trim().Replace('-', '+').Replace('_', '/');
        standard = standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '=');
        var buffer = new byte[standard.Length / 4 * 3];
        if (!Convert.TryFromBase64String(standard, buffer, out var written) || written == 0)
        {
            return false;
        }

        bytes = buffer[..written];
        return true;
    }
}
