namespace Billing.Tests.Infrastructure;

internal static class RepositoryRoot
{
    /// <summary>The folder holding Billing.sln, found from the test binaries upwards.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Billing.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Billing.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
}
