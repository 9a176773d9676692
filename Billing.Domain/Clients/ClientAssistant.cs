namespace Billing.Domain.Clients;

/// <summary>Which Vapi resource identifies a client's calls. Squads and transient assistants have no assistant id.</summary>
public enum VapiResourceKind { Assistant, Squad, PhoneNumber }

/// <summary>Maps a Vapi assistant (or squad, or phone number) to the client whose calls it makes.</summary>
public sealed class ClientAssistant
{
    public VapiResourceKind Kind { get; set; } = VapiResourceKind.Assistant;
    public required string VapiId { get; set; }
    public required string ClientId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
