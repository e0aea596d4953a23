using System.Diagnostics.CodeAnalysis;

// CA1515 (make types of an executable internal) holds for this app, except for its function classes, which stay public:
// - the worker's generated DirectFunctionExecutor calls a function directly only when its method and every containing
//   type are public; any other goes through the reflection-based DefaultFunctionExecutor (Microsoft.Azure.Functions.
//   Worker.Sdk.Generators, FunctionExecutorGenerator: "PublicButContainingTypeNotVisible" takes the slow path);
// - the self-hosted runner finds them with Assembly.GetExportedTypes (src/ScTransfer.SelfHost/FunctionCatalog.cs).
// A new function class gets its line here (and so does a service its constructor takes, at the end of this file); any
// other public type in this project fails the build.
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.CreateMailbox", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.DeleteMailbox", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.GetAppleAppSiteAssociation", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.GetAssetLinks", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.GetOpenApiDescription", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.NoSuchEndpoint", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.PurgeExpiredMailboxes", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.ReadDisplayInformation", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.ReadSecureContent", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.RelinquishMailbox", Justification = "Function class")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.UpdateMailbox", Justification = "Function class")]

// The services a function class's public constructor takes must be as visible as the class itself (CS0051).
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.Http.AppLinks", Justification = "Taken by a function class's constructor")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.Http.PrivacyPassGate", Justification = "Taken by a function class's constructor")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.Http.RelayRefusals", Justification = "Taken by the public constructors of PrivacyPassGate and RelayRequest")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.Http.RelayRequest", Justification = "Taken by a function class's constructor")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.Http.RequestBody", Justification = "Returned by RelayRequest to the function classes")]
[assembly: SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Functions.Http.ShareLinks", Justification = "Taken by a function class's constructor")]
