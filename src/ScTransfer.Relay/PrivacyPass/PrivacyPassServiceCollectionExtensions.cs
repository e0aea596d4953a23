using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.PrivacyPass;

public static class PrivacyPassServiceCollectionExtensions
{
    /// <summary>Privacy Pass settings (validated at start: a bad key stops the relay with a message naming it) and the token redemption.</summary>
    public static IServiceCollection AddPrivacyPass(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PrivacyPassOptions>()
            .Bind(configuration.GetSection(PrivacyPassOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PrivacyPassOptions>, PrivacyPassOptionsValidator>());
        services.TryAddSingleton<PrivacyPassPolicy>();
        services.TryAddSingleton<SpentNonceStore>();
        services.TryAddSingleton<PrivacyPassRedeemer>();
        return services;
    }

    private sealed class PrivacyPassOptionsValidator : IValidateOptions<PrivacyPassOptions>
    {
        public ValidateOptionsResult Validate(string? name, PrivacyPassOptions options)
        {
            var failures = new List<string>();
            try
            {
                var keys = PrivacyPassPolicy.ParseKeys(options.IssuerPublicKeys);
                if (options.IsEnabled && keys.Count == 0)
                {
                    failures.Add("PrivacyPass:IssuerPublicKeys is required when PrivacyPass:CreateMailbox or PrivacyPass:ReadSecureContent is not 'off': "
                        + "the issuer's SubjectPublicKeyInfo (RSASSA-PSS OID), base64.");
                }
            }
            catch (InvalidOperationException ex)
            {
                failures.Add(ex.Message);
            }

            var issuer = options.IssuerName.Trim();
            if (options.IsEnabled && issuer.Length == 0)
            {
                failures.Add("PrivacyPass:IssuerName is required when Privacy Pass is on: the issuer's host name, e.g. issuer.example.net.");
            }
            else if (issuer.Length > 0 && !IsServerName(issuer))
            {
                failures.Add("PrivacyPass:IssuerName must be a server name (host and optional port, no scheme, path or user info; RFC 9577 §2.1.1.1).");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        private static bool IsServerName(string name) =>
            name.All(char.IsAscii) && !name.Contains('@') && !name.Contains('/')
            && Uri.TryCreate("https://" + name, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, name, StringComparison.OrdinalIgnoreCase);
    }
}
