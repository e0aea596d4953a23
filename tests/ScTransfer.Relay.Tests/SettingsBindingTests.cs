using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// Values that do not convert (<c>7d</c> for a time span, <c>ten</c> for a number, a mode that does not exist) are
/// reported by the type's validator with everything else that is wrong, every one of them, naming its setting and the
/// form it takes, where the configuration binder would stop at the first and quote it.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class SettingsBindingTests
{
    [Fact]
    public void Every_value_that_does_not_convert_is_named_with_its_form_and_default_and_not_quoted()
    {
        var options = Bind<RateLimitingOptions>("RateLimiting", new()
        {
            ["RateLimiting:Enabled"] = "yes-please",
            ["RateLimiting:BodyTimeout"] = "20s",
            ["RateLimiting:MaxConcurrentRequests"] = "0",
            ["RateLimiting:Create:PermitLimit"] = "sixty",
            ["RateLimiting:Read:TokensPerPeriod"] = "7",
        });

        var failures = new RateLimitingOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(
            [
                "RateLimiting__Enabled must be true or false (the default is true).",
                "RateLimiting__BodyTimeout must be a time span, [d.]hh:mm:ss: 7.00:00:00 is seven days, 00:00:20 twenty seconds (the default is 00:00:20).",
                "RateLimiting__Create__PermitLimit must be a whole number (the default is 60).",
                "RateLimiting__MaxConcurrentRequests must be between 1 and 100000; it is 0.",
            ],
            failures);
        Assert.Equal(7, options.Read.TokensPerPeriod); // what converts is bound
        Assert.Equal(1, options.Create.TokensPerPeriod); // a nested object keeps the defaults it is not given
        Assert.DoesNotContain(failures, f => f.Contains("sixty", StringComparison.Ordinal) || f.Contains("yes-please", StringComparison.Ordinal));
    }

    [Fact]
    public void An_enum_lists_its_values()
    {
        var options = Bind<PrivacyPassOptions>("PrivacyPass", new() { ["PrivacyPass:CreateMailbox"] = "always", ["PrivacyPass:ReadSecureContent"] = "optional" });

        var failure = Assert.Single(new PrivacyPassOptionsValidator().Validate(null, options).Failures!, f => f.StartsWith("PrivacyPass__CreateMailbox", StringComparison.Ordinal));

        Assert.StartsWith("PrivacyPass__CreateMailbox must be one of Off, Optional, Required (the default is Off).", failure, StringComparison.Ordinal);
        Assert.Equal(PrivacyPassMode.Optional, options.ReadSecureContent); // case as the binder takes it
    }

    [Fact]
    public void Registered_options_report_what_did_not_convert_when_they_are_read()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Purge:TombstoneRetention"] = "7d" }).Build();
        using var services = new ServiceCollection()
            .AddSettings<PurgeOptions, PurgeOptionsValidator>(configuration, PurgeOptions.SectionName)
            .Configure(purge => purge.Schedule = PurgeSchedule.Default).Services
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PurgeOptions>>().Value);

        Assert.StartsWith("Purge__TombstoneRetention must be a time span", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    private static T Bind<T>(string section, Dictionary<string, string?> values) where T : class, new() =>
        SettingsBinding.Read<T>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), section);
}
