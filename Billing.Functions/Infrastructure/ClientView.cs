using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Billing.Domain.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Billing.Functions.Infrastructure;

/// <summary>
/// Marks a response field that only the agency's own keys (admin, reporting) may read: what Vapi charges us, our margin,
/// where an exchange rate came from, who on the staff did something. The client view leaves it out, in JSON and CSV.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AgencyOnlyAttribute : Attribute;

/// <summary>
/// The client view, defined once: what a <c>client:&lt;id&gt;</c> key is shown is every response the endpoint gives, minus
/// each <see cref="AgencyOnlyAttribute"/> field. <see cref="CallerResolver"/> applies it to every answer it hands a client
/// key, so an endpoint cannot forget it; which rows a client sees is <see cref="Visibility"/>'s job, this is which fields.
/// </summary>
public static class ClientView
{
    /// <summary>Whether <paramref name="caller"/> sees the client view rather than the agency's.</summary>
    public static bool Applies(Caller caller) => caller.Scope == ApiKeyScope.Client;

    public static bool IsAgencyOnly(PropertyInfo property) => property.IsDefined(typeof(AgencyOnlyAttribute), inherit: true);

    /// <summary><paramref name="result"/> as <paramref name="caller"/> may see it.</summary>
    public static IResult For(Caller caller, IResult result) => Applies(caller) ? Narrow(result) : result;

    private static IResult Narrow(IResult result) => result switch
    {
        IClientViewable viewable => viewable.ForClient(),
        // Problems carry no data of ours.
        ProblemHttpResult => result,
        IValueHttpResult { Value: { } value } and IStatusCodeHttpResult status =>
            new NarrowedJson(value, status.StatusCode ?? StatusCodes.Status200OK, result.GetType().GetProperty("Location")?.GetValue(result) as string),
        _ => result,
    };

    /// <summary>A result that knows how to leave out agency-only fields itself (CSV).</summary>
    internal interface IClientViewable
    {
        IResult ForClient();
    }

    private static readonly Dictionary<JsonSerializerOptions, JsonSerializerOptions> ClientOptions = new();

    /// <summary>The app's JSON settings, with every agency-only property removed from every type.</summary>
    internal static JsonSerializerOptions JsonFor(JsonSerializerOptions app)
    {
        lock (ClientOptions)
        {
            if (!ClientOptions.TryGetValue(app, out var options))
            {
                options = new JsonSerializerOptions(app)
                {
                    TypeInfoResolver = (app.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(RemoveAgencyOnly),
                };
                options.MakeReadOnly();
                ClientOptions[app] = options;
            }
            return options;
        }
    }

    private static void RemoveAgencyOnly(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        for (var i = type.Properties.Count - 1; i >= 0; i--)
        {
            if (type.Properties[i].AttributeProvider is PropertyInfo property && IsAgencyOnly(property))
            {
                type.Properties.RemoveAt(i);
            }
        }
    }

    private sealed class NarrowedJson(object value, int statusCode, string? location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (location is not null)
            {
                httpContext.Response.Headers.Location = location;
            }
            var app = httpContext.RequestServices.GetService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>()?.Value.SerializerOptions
                      ?? JsonSerializerOptions.Web;
            return TypedResults.Json(value, JsonFor(app), statusCode: statusCode).ExecuteAsync(httpContext);
        }
    }
}
