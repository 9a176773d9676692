using Billing.Domain.Payments;

namespace Billing.Tests.Payments;

/// <summary>
/// Stripe's API as our <see cref="IStripeCheckout"/> sees it, without the network: sessions get Stripe-shaped ids and
/// URLs, a repeated idempotency key returns the session it created (as Stripe does for 24 hours), and a test can make
/// the next calls fail.
/// </summary>
public sealed class FakeStripe : IStripeCheckout
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CreatedCheckoutSession> _byKey = [];

    public List<CheckoutSessionRequest> Created { get; } = [];
    public List<string> Expired { get; } = [];
    /// <summary>Thrown by every call while set (a <see cref="StripeUnavailableException"/> or <see cref="StripeRefusedException"/>).</summary>
    public Exception? Failure { get; set; }

    public Task<CreatedCheckoutSession> CreateSessionAsync(CheckoutSessionRequest request, CancellationToken ct)
    {
        lock (_lock)
        {
            if (Failure is not null)
            {
                throw Failure;
            }
            if (_byKey.TryGetValue(request.IdempotencyKey, out var again))
            {
                return Task.FromResult(again);
            }
            Created.Add(request);
            var id = $"cs_test_{Created.Count:D2}{Guid.NewGuid():N}";
            var session = new CreatedCheckoutSession(id, $"https://checkout.stripe.com/c/pay/{id}", request.ExpiresAt);
            _byKey[request.IdempotencyKey] = session;
            return Task.FromResult(session);
        }
    }

    public Task<bool> ExpireSessionAsync(string sessionId, CancellationToken ct)
    {
        lock (_lock)
        {
            if (Failure is not null)
            {
                throw Failure;
            }
            Expired.Add(sessionId);
            return Task.FromResult(true);
        }
    }
}
