using System.Globalization;

namespace SqlHelpers.Benchmarks.Load;

/// <summary>The load driver's command line.</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        usage: SqlHelper.Benchmarks load [--full] [--connection "<connection string>"] [--rounds N] [--seconds S]
                                         [--warmup S] [--flows 1,8] [--api sync,async] [--groups scope,open,contention,held]
                                         [--contention 64/8,256/16,1000/16] [--no-sysbench] [--out FILE]
          (default)      quick: flows 1 and 8, sync+async, nest 1 and 3, ConnectionReset on and off, 7 rounds of 0.25 s
          --full         every combination: flows 1, 2, 8, 64; 9 rounds of 0.75 s; and the contention groups
          --connection   the server; else $SQLHELPER_CONNECTION; else a throwaway server is started
          --rounds, --seconds, --warmup, --flows   override the mode's values
          --api          only these APIs (default both)
          --groups       scope: open+query+dispose rows; open: query on an already open scope/connection (and sysbench);
                         contention: many flows on a small pool (--contention), throughput and p99 against raw;
                         held: WhenDirty scope-per-query against a connection held per flow and raw reset=false
          --contention   the contention points as flows/connections (default 64/8,256/16,1000/16); rounds of 1 s
                         unless --seconds says otherwise
          --no-sysbench  leave out the sysbench rows
          --out FILE     also write the report (markdown) to FILE
        """;

    public bool Full { get; private set; }

    public string? ConnectionString { get; private set; }

    public int Rounds { get; private set; }

    public TimeSpan Duration { get; private set; }

    public TimeSpan Warmup { get; private set; }

    public IReadOnlyList<int> Flows { get; private set; } = [];

    public IReadOnlyList<LoadApi> Apis { get; private set; } = [LoadApi.Sync, LoadApi.Async];

    public bool ScopeGroups { get; private set; } = true;

    public bool OpenGroups { get; private set; } = true;

    public bool ContentionGroups { get; private set; }

    /// <summary>Gets whether to run the held-connection reference groups (issue #13: WhenDirty against a held connection).</summary>
    public bool HeldGroups { get; private set; }

    /// <summary>Gets the (flows, connections) points of the contention groups.</summary>
    public IReadOnlyList<(int Flows, int Connections)> ContentionPoints { get; private set; } = [(64, 8), (256, 16), (1000, 16)];

    /// <summary>Gets the length of a measured slot of a contention group (longer than the others: its p99 needs operations).</summary>
    public TimeSpan ContentionDuration { get; private set; }

    public bool Sysbench { get; private set; } = true;

    public string? OutputPath { get; private set; }

    /// <summary>Parses <paramref name="args"/>; returns <c>null</c> (after printing why) when they are not valid.</summary>
    public static LoadOptions? Parse(string[] args, TextWriter error)
    {
        var options = new LoadOptions();
        int? rounds = null;
        double? seconds = null;
        double? warmup = null;
        int[]? flows = null;
        bool? contention = null;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--full":
                        options.Full = true;
                        break;
                    case "--quick":
                        options.Full = false;
                        break;
                    case "--connection":
                        options.ConnectionString = Value();
                        break;
                    case "--rounds":
                        rounds = int.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--seconds":
                        seconds = double.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--warmup":
                        warmup = double.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--flows":
                        flows = [.. Value().Split(',').Select(static f => int.Parse(f, CultureInfo.InvariantCulture))];
                        break;
                    case "--api":
                        options.Apis = [.. Value().Split(',').Select(static a => a switch
                        {
                            "sync" => LoadApi.Sync,
                            "async" => LoadApi.Async,
                            _ => throw new FormatException($"Unknown API {a}: use sync or async."),
                        })];
                        break;
                    case "--groups":
                        var groups = Value().Split(',');
                        options.ScopeGroups = groups.Contains("scope");
                        options.OpenGroups = groups.Contains("open");
                        contention = groups.Contains("contention");
                        options.HeldGroups = groups.Contains("held");
                        if (groups.Except(["scope", "open", "contention", "held"]).FirstOrDefault() is { } unknown)
                            throw new FormatException($"Unknown group {unknown}: use scope, open, contention or held.");
                        break;
                    case "--contention":
                        options.ContentionPoints = [.. Value().Split(',').Select(static point => point.Split('/') is [var f, var c]
                            ? (int.Parse(f, CultureInfo.InvariantCulture), int.Parse(c, CultureInfo.InvariantCulture))
                            : throw new FormatException($"A contention point is flows/connections, such as 64/8, not {point}."))];
                        break;
                    case "--no-sysbench":
                        options.Sysbench = false;
                        break;
                    case "--out":
                        options.OutputPath = Value();
                        break;
                    case "--help" or "-h":
                        error.WriteLine(Usage);
                        return null;
                    default:
                        throw new FormatException($"Unknown option {args[i]}.");
                }
            }
        }
        catch (FormatException ex)
        {
            error.WriteLine(ex.Message);
            error.WriteLine(Usage);
            return null;
        }
        options.Rounds = rounds ?? (options.Full ? 9 : 7);
        options.Duration = TimeSpan.FromSeconds(seconds ?? (options.Full ? 0.75 : 0.25));
        options.Warmup = TimeSpan.FromSeconds(warmup ?? (options.Full ? 0.5 : 0.3));
        options.Flows = flows ?? (options.Full ? [1, 2, 8, 64] : [1, 8]);
        options.ContentionGroups = contention ?? options.Full;
        options.ContentionDuration = TimeSpan.FromSeconds(seconds ?? 1);
        if (options.Rounds < 1 || options.Duration <= TimeSpan.Zero || options.Flows.Any(static f => f < 1)
            || options.ContentionPoints.Any(static p => p.Connections < 1 || p.Flows < 1))
        {
            error.WriteLine("--rounds, --seconds and --flows must be positive.");
            return null;
        }
        return options;
    }
}
