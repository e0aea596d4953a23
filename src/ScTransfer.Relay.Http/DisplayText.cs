using System.Text;

namespace ScTransfer.Relay.Http;

/// <summary>
/// The sender's display text as the share page shows it, without the invisible characters that make text read otherwise
/// than it is (<c>Invoice \u202Egnp.exe</c> would display as "Invoice exe.png"). Only what is shown is cleaned; which
/// characters go and why: docs/security.md, "The share page".
/// </summary>
internal static class DisplayText
{
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var clean = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsWhitespaceControl(rune.Value))
            {
                clean.Append(' ');
            }
            else if (!IsRemoved(rune.Value))
            {
                clean.Append(rune.ToString());
            }
        }

        return clean.ToString().Trim();
    }

    private static bool IsWhitespaceControl(int c) => c is '\t' or '\n' or '\r' or '\v' or '\f' or 0x85 or 0x2028 or 0x2029;

    /// <summary>Bidi_Control, the Default_Ignorable_Code_Point characters that shape nothing visible, and the C0/C1 controls.</summary>
    internal static bool IsRemoved(int c) => c switch
    {
        < 0x20 or (>= 0x7F and <= 0x9F) => true,                    // C0 and C1 controls (Cc)
        0x00AD or 0x034F or 0x061C => true,                          // soft hyphen, CGJ, Arabic letter mark (bidi)
        0x115F or 0x1160 or 0x3164 or 0xFFA0 => true,                // Hangul fillers
        0x17B4 or 0x17B5 => true,                                    // Khmer inherent vowels
        >= 0x200B and <= 0x200F => c is not (0x200C or 0x200D),      // ZWSP, LRM, RLM (ZWNJ and ZWJ stay)
        >= 0x202A and <= 0x202E => true,                             // bidi embeddings and overrides
        >= 0x2060 and <= 0x206F => true,                             // word joiner, invisible operators, bidi isolates, deprecated
        0xFEFF => true,                                              // byte-order mark, zero-width no-break space
        >= 0xFFF0 and <= 0xFFF8 => true,                             // unassigned, default ignorable
        >= 0x1BCA0 and <= 0x1BCA3 => true,                           // shorthand format controls
        >= 0x1D173 and <= 0x1D17A => true,                           // musical symbol format controls
        >= 0xE0000 and <= 0xE0FFF => c is not ((>= 0xE0020 and <= 0xE007F) or (>= 0xE0100 and <= 0xE01EF)), // tags and VS17+ stay
        _ => false,
    };
}
