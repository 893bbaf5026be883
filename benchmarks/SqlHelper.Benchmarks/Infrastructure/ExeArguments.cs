namespace SqlHelpers.Benchmarks.Infrastructure;

/// <summary>Small helpers for the exe's own options, which are taken out before BenchmarkDotNet sees the rest.</summary>
internal static class ExeArguments
{
    /// <summary>Removes <c>name value</c> (or <c>name=value</c>) from <paramref name="args"/>; returns the value, or <c>null</c>.</summary>
    public static (string? Value, string[] Remaining) TakeOption(string[] args, string name)
    {
        var rest = new List<string>(args.Length);
        string? value = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length)
                value = args[++i];
            else if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
                value = args[i][(name.Length + 1)..];
            else
                rest.Add(args[i]);
        }
        return (value, [.. rest]);
    }

    /// <summary>Returns the value after <paramref name="name"/> in <paramref name="args"/>, parsed, or <paramref name="fallback"/>.</summary>
    public static T Option<T>(string[] args, string name, T fallback) where T : IParsable<T>
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? T.Parse(args[index + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Quotes an argument for display when it contains spaces or shell characters; a password in a connection string is masked.</summary>
    public static string Display(IEnumerable<string> args) =>
        string.Join(' ', args.Select(static a => MaskPassword(a)).Select(static a => a.Length == 0 || a.Any(static c => char.IsWhiteSpace(c) || c is ';' or '"' or '\'' or '&' or '|') ? $"\"{a}\"" : a));

    private static string MaskPassword(string arg)
    {
        var index = arg.IndexOf("password=", StringComparison.OrdinalIgnoreCase);
        if (index < 0)
            index = arg.IndexOf("pwd=", StringComparison.OrdinalIgnoreCase);
        if (index < 0)
            return arg;
        var start = arg.IndexOf('=', index) + 1;
        var end = arg.IndexOf(';', start);
        return string.Concat(arg.AsSpan(0, start), "***", end < 0 ? "" : arg.AsSpan(end));
    }
}
