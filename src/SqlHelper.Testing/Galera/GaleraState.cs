using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SqlHelpers.Testing.Galera;

/// <summary>
/// The two state files Galera keeps in a data directory: <c>grastate.dat</c> (the cluster state UUID, the last committed
/// seqno, -1 after a crash, and <c>safe_to_bootstrap</c>) and <c>gvwstate.dat</c> (the last primary component's members,
/// from which nodes started together form that component again: Galera's <c>pc.recovery</c>).
/// </summary>
internal static partial class GaleraState
{
    private const string StateFile = "grastate.dat";
    private const string ViewFile = "gvwstate.dat";

    /// <summary>
    /// Writes a <c>gvwstate.dat</c> that names <paramref name="members"/> as the last primary component, with this node as
    /// <paramref name="self"/>. Nodes started together from copies of one data directory then form that component by
    /// themselves and need no state transfer: they all have the same state.
    /// </summary>
    public static void WritePrimaryView(string dataDirectory, IReadOnlyList<Guid> members, Guid self)
    {
        var text = new StringBuilder();
        text.Append("my_uuid: ").Append(Uuid(self)).Append('\n');
        text.Append("#vwbeg\n");
        text.Append("view_id: 3 ").Append(Uuid(members[0])).Append(" 1\n");
        text.Append("bootstrap: 0\n");
        foreach (var member in members)
            text.Append("member: ").Append(Uuid(member)).Append(" 0\n");
        text.Append("#vwend\n");
        File.WriteAllText(Path.Combine(dataDirectory, ViewFile), text.ToString());
    }

    /// <summary>Reads the seqno in <c>grastate.dat</c>: -1 after a crash (recover the position with <c>--wsrep-recover</c>), <c>null</c> without the file.</summary>
    public static long? ReadSeqno(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, StateFile);
        if (!File.Exists(path))
            return null;
        var match = SeqnoLine().Match(File.ReadAllText(path));
        return match.Success ? long.Parse(match.Groups[1].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Prepares a node to bootstrap a new primary component alone: <c>safe_to_bootstrap: 1</c>, no saved view.</summary>
    public static void PrepareBootstrap(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, StateFile);
        if (File.Exists(path))
            File.WriteAllText(path, SafeToBootstrapLine().Replace(File.ReadAllText(path), "safe_to_bootstrap: 1"));
        File.Delete(Path.Combine(dataDirectory, ViewFile));
    }

    /// <summary>Turns a cleanly stopped single node's data directory into a template: no ring buffer, no saved view.</summary>
    public static void StripForTemplate(string dataDirectory)
    {
        File.Delete(Path.Combine(dataDirectory, "galera.cache"));
        File.Delete(Path.Combine(dataDirectory, ViewFile));
    }

    /// <summary>Finds the position that <c>mariadbd --wsrep-recover</c> wrote to its log ("WSREP: Recovered position: uuid:seqno").</summary>
    /// <returns>The position, or <c>null</c> when there is none or its seqno is -1.</returns>
    public static string? ParseRecoveredPosition(string log)
    {
        var match = RecoveredPosition().Match(log);
        return match.Success && !match.Groups[1].Value.EndsWith(":-1", StringComparison.Ordinal) ? match.Groups[1].Value : null;
    }

    private static string Uuid(Guid guid) => guid.ToString("D", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^seqno:\s*(-?\d+)", RegexOptions.Multiline)]
    private static partial Regex SeqnoLine();

    [GeneratedRegex(@"safe_to_bootstrap:\s*\d+")]
    private static partial Regex SafeToBootstrapLine();

    [GeneratedRegex(@"WSREP: Recovered position:\s*([0-9a-fA-F-]{36}:-?\d+)")]
    private static partial Regex RecoveredPosition();
}
