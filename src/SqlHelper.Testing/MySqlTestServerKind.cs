namespace SqlHelpers.Testing;

/// <summary>Where a <see cref="MySqlTestServer"/> came from.</summary>
public enum MySqlTestServerKind
{
    /// <summary>An existing server named by the <c>SQLHELPER_TEST_CONNECTION</c> environment variable.</summary>
    External,

    /// <summary>A MySQL 8.4 container started through Testcontainers on a Docker engine.</summary>
    Container,

    /// <summary>A private, throwaway <c>mariadbd</c> or <c>mysqld</c> process started from the binary on this machine.</summary>
    LocalBinary,
}
