using ScTransfer.Relay.Http;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>AppLinks__* settings (docs/apps.md): what is accepted, and a refusal that names the setting for what is not.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class AppLinksOptionsTests
{
    private const string Fingerprint = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

    private static AppLinksOptions Valid() => new()
    {
        AppleAppIds = "ABCDE12345.com.example.wallet",
        AndroidPackageName = "com.example.wallet",
        AndroidCertificateFingerprints = Fingerprint,
        AppName = "Example Wallet",
        AppStoreUrl = "https://apps.apple.com/us/app/example-wallet/id123456789",
        PlayStoreUrl = "https://play.google.com/store/apps/details?id=com.example.wallet",
    };

    private static IEnumerable<string> Failures(AppLinksOptions options) =>
        new AppLinksValidation().Validate(null, options).Failures ?? [];

    [Fact]
    public void Nothing_set_is_valid_and_means_no_app()
    {
        var none = new AppLinksOptions();

        Assert.Empty(Failures(none));
        Assert.Empty(none.AppleAppIdList());
        Assert.Empty(none.AndroidFingerprintList());
        Assert.Null(none.AppStoreId());
    }

    [Fact]
    public void A_full_configuration_is_valid_and_lists_are_trimmed_and_fingerprints_upper_cased()
    {
        var options = Valid();
        options.AppleAppIds = " ABCDE12345.com.example.wallet ,FGHIJ67890.com.example-wallet.beta,";
        options.AndroidCertificateFingerprints = Fingerprint.ToLowerInvariant() + " , " + Fingerprint;

        Assert.Empty(Failures(options));
        Assert.Equal(["ABCDE12345.com.example.wallet", "FGHIJ67890.com.example-wallet.beta"], options.AppleAppIdList());
        Assert.Equal([Fingerprint, Fingerprint], options.AndroidFingerprintList());
        Assert.Equal("123456789", options.AppStoreId());
    }

    [Theory]
    [InlineData(nameof(AppLinksOptions.AppleAppIds), "com.example.wallet", "AppLinks__AppleAppIds")] // no Team ID
    [InlineData(nameof(AppLinksOptions.AppleAppIds), "abcde12345.com.example.wallet", "AppLinks__AppleAppIds")]
    [InlineData(nameof(AppLinksOptions.AppleAppIds), "ABCDE12345.", "AppLinks__AppleAppIds")]
    [InlineData(nameof(AppLinksOptions.AndroidPackageName), "wallet", "AppLinks__AndroidPackageName")]
    [InlineData(nameof(AppLinksOptions.AndroidPackageName), "com.9example.wallet", "AppLinks__AndroidPackageName")]
    [InlineData(nameof(AppLinksOptions.AndroidCertificateFingerprints), "14:6D:E9", "AppLinks__AndroidCertificateFingerprints")] // 3 bytes
    [InlineData(nameof(AppLinksOptions.AndroidCertificateFingerprints), "146DE983C5730650D8EEB9952F34FC6416A08342E61DBEA88A0496B23FCF44E5", "AppLinks__AndroidCertificateFingerprints")] // no colons
    [InlineData(nameof(AppLinksOptions.AndroidCertificateFingerprints), Fingerprint + ":00", "AppLinks__AndroidCertificateFingerprints")] // 33 bytes
    [InlineData(nameof(AppLinksOptions.AndroidCertificateFingerprints), "", "AppLinks__AndroidCertificateFingerprints go together")]
    [InlineData(nameof(AppLinksOptions.AppName), "", "AppLinks__AppName is required")]
    [InlineData(nameof(AppLinksOptions.AppName), "Wallet\u202E", "AppLinks__AppName must be")]
    [InlineData(nameof(AppLinksOptions.AppName), "An app name far too long to be a button label on a phone", "AppLinks__AppName must be")]
    [InlineData(nameof(AppLinksOptions.AppStoreUrl), "http://apps.apple.com/app/id1", "AppLinks__AppStoreUrl")]
    [InlineData(nameof(AppLinksOptions.AppStoreUrl), "apps.apple.com/app/id1", "AppLinks__AppStoreUrl")]
    [InlineData(nameof(AppLinksOptions.PlayStoreUrl), "javascript:alert(1)", "AppLinks__PlayStoreUrl")]
    public void A_malformed_value_is_refused_naming_its_setting(string property, string value, string expected)
    {
        var options = Valid();
        typeof(AppLinksOptions).GetProperty(property)!.SetValue(options, value);

        var failure = Assert.Single(Failures(options));

        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_package_without_certificates_is_refused_and_so_are_certificates_without_a_package()
    {
        var noCertificates = Valid();
        noCertificates.AndroidCertificateFingerprints = "";
        var noPackage = Valid();
        noPackage.AndroidPackageName = "";

        Assert.Contains(Failures(noCertificates), f => f.StartsWith("AppLinks__AndroidPackageName and AppLinks__AndroidCertificateFingerprints", StringComparison.Ordinal));
        Assert.Contains(Failures(noPackage), f => f.StartsWith("AppLinks__AndroidPackageName and AppLinks__AndroidCertificateFingerprints", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://apps.apple.com/us/app/example-wallet/id123456789", "123456789")]
    [InlineData("https://apps.apple.com/app/id42?mt=8", "42")]
    [InlineData("https://testflight.apple.com/join/AbCdEf12", null)] // not an App Store page: no Smart App Banner
    [InlineData("https://apps.apple.com/us/app/example-wallet", null)]
    public void The_Smart_App_Banner_id_comes_only_from_an_App_Store_page(string url, string? id)
    {
        Assert.Equal(id, new AppLinksOptions { AppStoreUrl = url }.AppStoreId());
    }
}
