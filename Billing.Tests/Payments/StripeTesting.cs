using Billing.Domain.Payments;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Payments;

/// <summary>Stripe as the tests configure it: test-mode settings, two webhook secrets (a rotation in progress), a fake API.</summary>
public static class StripeTesting
{
    public const string WebhookSecret = "whsec_billing_tests_current_0123456789";
    public const string PreviousWebhookSecret = "whsec_billing_tests_previous_987654321";
    public const string PayLinkBase = "https://facturi.example.ro/api/pay/";

    public static Dictionary<string, string?> Settings => new()
    {
        ["Stripe:SecretKey"] = "sk_test_billing_tests_not_a_real_key",
        ["Stripe:WebhookSecrets:0"] = WebhookSecret,
        ["Stripe:WebhookSecrets:1"] = PreviousWebhookSecret,
        ["Stripe:SuccessUrl"] = "https://agentie.example.ro/plata/multumim",
        ["Stripe:CancelUrl"] = "https://agentie.example.ro/plata/anulata",
        ["Stripe:PayLinkBaseUrl"] = PayLinkBase,
    };

    /// <summary>A payment world with Stripe on, its API replaced by <paramref name="stripe"/>.</summary>
    public static Task<PaymentWorld> WorldAsync(Infrastructure.TestDatabase database, FakeStripe stripe) =>
        PaymentWorld.CreateAsync(database, Settings, s => s.AddSingleton<IStripeCheckout>(stripe));
}
