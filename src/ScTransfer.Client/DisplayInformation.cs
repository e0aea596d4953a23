namespace ScTransfer.Client;

/// <summary>
/// The public, unencrypted description of a share (draft §6.1.4). Anyone with the link sees it (§6.4), so it should
/// not identify either device (§8.2).
/// </summary>
public sealed record DisplayInformation(string? Title = null, string? Description = null, Uri? ImageUrl = null);
