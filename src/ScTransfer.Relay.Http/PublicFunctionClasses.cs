using System.Diagnostics.CodeAnalysis;

// CA1515 (make public types internal) holds for this library as for an executable (.editorconfig beside this file):
// only the hosts reference it, and they see its internals. The function classes stay public:
// - the worker's generated DirectFunctionExecutor calls a function directly only when its method and every containing
//   type are public; any other goes through the reflection-based DefaultFunctionExecutor (Microsoft.Azure.Functions.
//   Worker.Sdk.Generators, FunctionExecutorGenerator: "PublicButContainingTypeNotVisible" takes the slow path);
// - EndpointCatalogue, which both hosts read them through, finds them with Assembly.GetExportedTypes.
// A new function class gets its line here (and so does a service its constructor takes, at the end of this file); any
// other public type in this project fails the build.
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
