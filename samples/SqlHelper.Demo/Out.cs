using System.Text;

namespace SqlHelpers.Demo;

/// <summary>Console output: numbered sections, indented lines, aligned step tables and word-wrapped messages.</summary>
internal static class Out
{
    private const string Margin = "   ";

    public static void Section(int number, string title)
    {
        Console.WriteLine();
        Console.WriteLine($"{number}. {title}");
        Console.WriteLine();
    }

    public static void Line(string text = "") => Console.WriteLine(text.Length == 0 ? "" : Margin + text);

    /// <summary>Prints <paramref name="left"/> padded to a fixed column, then <paramref name="right"/>.</summary>
    public static void Pair(string left, string right) => Line($"{left,-54} {right}");

    /// <summary>Prints the header of a step table: step, depth, CONNECTION_ID(), db.Current.</summary>
    public static void StepHeader()
    {
        Line($"{"step",-42} {"depth",5}  {"CONNECTION_ID()",15}  {"db.Current",-10}");
        Line($"{new string('-', 42)} {new string('-', 5)}  {new string('-', 15)}  {new string('-', 10)}");
    }

    /// <summary>Prints one step, its label indented by <paramref name="indent"/> levels.</summary>
    public static void Step(int indent, string step, object depth, object connectionId, string current, string note = "")
    {
        var label = new string(' ', 2 * indent) + step;
        Line($"{label,-42} {depth,5}  {connectionId,15}  {current,-10}{(note.Length == 0 ? "" : "  " + note)}".TrimEnd());
    }

    /// <summary>Prints <paramref name="text"/> word-wrapped to <paramref name="width"/> columns, indented by <paramref name="indent"/> spaces.</summary>
    public static void Wrapped(string text, int indent, int width = 100)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && indent + line.Length + 1 + word.Length > width)
            {
                Line(new string(' ', indent) + line);
                line.Clear();
            }
            line.Append(line.Length == 0 ? "" : " ").Append(word);
        }
        if (line.Length > 0)
            Line(new string(' ', indent) + line);
    }
}
