using System.Diagnostics.CodeAnalysis;

// CA1515 holds here as in an executable (.editorconfig beside this file). The function classes stay public, and so do
// the services their constructors take, each with its line below (docs/design.md, "What each assembly exposes").
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.CreateMailbox", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.DeleteMailbox", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.DeliverPendingPushes", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.GetAppleAppSiteAssociation", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.GetAssetLinks", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.GetOpenApiDescription", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.NoSuchEndpoint", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.PurgeExpiredMailboxes", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.ReadDisplayInformation", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.ReadSecureContent", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.RelinquishMailbox", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.UpdateMailbox", Justification = "Function class")]

// The services a function class's public constructor takes must be as visible as the class itself (CS0051).
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.AppLinks", Justification = "Taken by a function class's constructor")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.AppLinksOptions", Justification = "Taken by the public constructor of AppLinks")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.PrivacyPassGate", Justification = "Taken by a function class's constructor")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.RelayRefusals", Justification = "Taken by the public constructors of PrivacyPassGate and RequestBodyReader")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.RequestBodyReader", Justification = "Taken by a function class's constructor")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Relay.Http.ShareLinks", Justification = "Taken by a function class's constructor")]
