using MySqlConnector;
using SqlHelpers.Testing;

namespace SqlHelpers.Demo;

/// <summary>
/// Walks the seed's <c>with db as c1: ... with db as c2: ...</c> in C#: nested scopes on one flow, parallel flows each with
/// their own stack, per-instance mode, the pool limit, and the statistics. Runs against <c>SQLHELPER_CONNECTION</c> when it
/// is set, else against a throwaway server from SqlHelper.Testing.
/// </summary>
internal static class Program
{
    private static async Task<int> Main()
    {
        var external = Environment.GetEnvironmentVariable("SQLHELPER_CONNECTION");
        await using var server = string.IsNullOrWhiteSpace(external) ? await MySqlTestServer.StartAsync() : null;
        var connectionString = server?.ConnectionString ?? external!;

        Console.WriteLine();
        Console.WriteLine($"SqlHelper demo against {(server is null ? Describe(connectionString) + " (from SQLHELPER_CONNECTION)" : server.Describe())}");

        await using var db = new SqlHelper(new SqlHelperOptions { ConnectionString = connectionString, MaxConnections = 20 });
        await using var perInstance = new SqlHelper(new SqlHelperOptions { ConnectionString = connectionString, MaxConnections = 20, Mode = ScopeMode.PerInstance });
        await using var small = new SqlHelper(new SqlHelperOptions { ConnectionString = connectionString, MaxConnections = 2, Blocking = false });

        NestedScopesDemo.Run(db);
        await ParallelFlowsDemo.RunAsync(db);
        PerInstanceDemo.Run(perInstance);
        await PoolLimitDemo.RunAsync(small);
        StatisticsDemo.Run(("db", db), ("perInstance", perInstance), ("small", small));

        Console.WriteLine();
        if (Expect.Failures == 0)
            return 0;
        Console.WriteLine($"{Expect.Failures} expectation(s) failed; see the lines marked UNEXPECTED.");
        return 1;
    }

    /// <summary>Describes a server as <c>host:port/database</c>: never the user or password.</summary>
    private static string Describe(string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString);
        return $"{builder.Server}:{builder.Port}/{builder.Database}";
    }
}
