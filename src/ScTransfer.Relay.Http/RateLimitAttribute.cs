namespace ScTransfer.Relay.Http;

/// <summary>The per-client bucket a function's requests take a token from (<c>RateLimiting:Create</c>, <c>:Write</c>, <c>:Read</c>).</summary>
internal enum RateLimitClass
{
    Create,
    Write,
    Read,
}

/// <summary>
/// Declares on an HTTP function class which of the client's buckets its requests take a token from, before the body is
/// read (<see cref="RelayRateLimiter.Admit"/>), as endpoint metadata in the manner of ASP.NET Core's
/// <c>[EnableRateLimiting]</c>. Every HTTP function class carries this or <see cref="ConcurrencyLimitOnlyAttribute"/>
/// (<see cref="EndpointCatalogue"/> refuses one that carries neither).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class RateLimitAttribute(RateLimitClass rateLimitClass) : Attribute
{
    public RateLimitClass Class { get; } = rateLimitClass;
}

/// <summary>
/// Declares that a function takes no token from any bucket: only the concurrency caps (the client's and the instance's)
/// apply. For functions that touch no storage (held in memory, or the catch-all), as <c>EndpointCatalogueTests</c> checks.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class ConcurrencyLimitOnlyAttribute : Attribute;
