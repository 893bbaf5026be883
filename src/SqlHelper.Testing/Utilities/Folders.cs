namespace SqlHelpers.Testing.Utilities;

/// <summary>Best-effort clean-up of temporary folders.</summary>
internal static class Folders
{
    /// <summary>Deletes a folder and everything in it; a failure is ignored (a leftover temp folder is not worth failing a test run for).</summary>
    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // best effort
        }
    }
}
