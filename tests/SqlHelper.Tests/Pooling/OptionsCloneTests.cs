using System.Reflection;
using Microsoft.Extensions.Logging;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Pooling;

/// <summary>
/// A helper works on a copy of its options (<see cref="SqlHelperOptions.Clone"/>). These tests set every public settable
/// option by reflection, so an option added later without a line in <c>Clone</c> fails here instead of being silently
/// reset to its default inside the helper. No server is needed.
/// </summary>
public sealed class OptionsCloneTests
{
    private static readonly PropertyInfo[] SettableProperties = typeof(SqlHelperOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(property => property.SetMethod is { IsPublic: true })
        .OrderBy(property => property.Name, StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void Clone_EveryPublicSettablePropertySet_CopiesEveryValue()
    {
        // Given options whose every public settable property holds a value that differs from its default and from the
        // values of the other properties of the same type
        Assert.NotEmpty(SettableProperties);
        var problems = new List<string>();
        var defaults = new SqlHelperOptions();
        var original = new SqlHelperOptions();
        var checkedProperties = new List<PropertyInfo>();
        for (var index = 0; index < SettableProperties.Length; index++)
        {
            var property = SettableProperties[index];
            if (!TryGetNonDefaultValue(property, property.GetValue(defaults), index, out var value, out var problem))
            {
                problems.Add(problem);
                continue;
            }
            property.SetValue(original, value);
            if (SameValue(property.GetValue(defaults), property.GetValue(original)))
                problems.Add($"The test could not give SqlHelperOptions.{property.Name} a value other than its default.");
            checkedProperties.Add(property);
        }

        // When the options are cloned
        var clone = original.Clone();

        // Then every property of the clone holds the original's value; lists by content, in new list instances
        foreach (var property in checkedProperties)
        {
            var expected = property.GetValue(original);
            var actual = property.GetValue(clone);
            if (expected is IList<string> list)
            {
                if (actual is not IList<string> copy || !list.SequenceEqual(copy))
                    problems.Add($"SqlHelperOptions.Clone() does not copy the items of {property.Name}: expected [{Describe(list)}], got [{Describe(actual)}].");
                if (ReferenceEquals(expected, actual))
                    problems.Add($"SqlHelperOptions.Clone() shares the {property.Name} list with the original instead of copying it.");
            }
            else if (!SameValue(expected, actual))
            {
                problems.Add($"SqlHelperOptions.Clone() does not copy {property.Name}: expected {Describe(expected)}, got {Describe(actual)}. Add it to Clone().");
            }
        }
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Clone_ListsChangedAfterwards_CloneKeepsTheItemsItWasMadeWith()
    {
        // Given options with one item in each list property, and a clone of them
        var original = new SqlHelperOptions();
        var lists = SettableProperties.Where(property => property.PropertyType == typeof(IList<string>)).ToArray();
        Assert.NotEmpty(lists);
        foreach (var property in lists)
            property.SetValue(original, new List<string> { property.Name + " first" });
        var clone = original.Clone();

        // When the original's lists change
        foreach (var property in lists)
            ((IList<string>)property.GetValue(original)!).Add(property.Name + " added later");

        // Then the clone's lists still hold only the first item
        foreach (var property in lists)
            Assert.Equal([property.Name + " first"], (IList<string>)property.GetValue(clone)!);
    }

    /// <summary>
    /// Gives a value for <paramref name="property"/> that differs from <paramref name="defaultValue"/>; <paramref name="index"/>
    /// keeps properties of the same type apart. Returns <c>false</c>, with a message, for a type it does not know.
    /// </summary>
    private static bool TryGetNonDefaultValue(PropertyInfo property, object? defaultValue, int index, out object? value, out string problem)
    {
        var type = property.PropertyType;
        var distinct = 1000 + index;
        problem = "";
        value = null;
        if (type == typeof(string))
            value = $"{property.Name} value";
        else if (type == typeof(int) || type == typeof(int?))
            value = Differ(distinct, defaultValue, distinct + 1);
        else if (type == typeof(bool))
            value = !(bool)defaultValue!;
        else if (type == typeof(TimeSpan) || type == typeof(TimeSpan?))
            value = Differ(TimeSpan.FromMilliseconds(distinct), defaultValue, TimeSpan.FromMilliseconds(distinct + 1));
        else if (type.IsEnum)
            value = Enum.GetValues(type).Cast<object>().FirstOrDefault(candidate => !candidate.Equals(defaultValue));
        else if (type == typeof(IList<string>))
            value = new List<string> { $"{property.Name} 1", $"{property.Name} 2" };
        else if (type == typeof(ILoggerFactory))
            value = new CapturingLoggerFactory();
        else if (type == typeof(TimeProvider))
            value = new StoppedTimeProvider();

        if (value is null)
        {
            problem = type.IsEnum
                ? $"SqlHelperOptions.{property.Name} is an enum with no value other than its default."
                : $"SqlHelperOptions.{property.Name} has type {type}, which {nameof(OptionsCloneTests)} cannot set yet. " +
                  $"Teach {nameof(TryGetNonDefaultValue)} a non-default value of that type, and make sure SqlHelperOptions.Clone() copies it.";
            return false;
        }
        return true;
    }

    private static object Differ<T>(T value, object? defaultValue, T otherwise) where T : notnull =>
        value.Equals(defaultValue) ? otherwise : value;

    /// <summary>Values compare by <see cref="object.Equals(object?)"/>; services (logger factory, time provider) must be the same instance.</summary>
    private static bool SameValue(object? expected, object? actual) =>
        expected is null || expected.GetType().IsValueType || expected is string ? Equals(expected, actual) : ReferenceEquals(expected, actual);

    private static string Describe(object? value) => value switch
    {
        null => "null",
        IEnumerable<string> items => string.Join(", ", items),
        _ => value.ToString() ?? value.GetType().Name,
    };

    private sealed class StoppedTimeProvider : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }
}
