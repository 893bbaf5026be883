namespace SqlHelpers.WebSample;

/// <summary>
/// Opens one scope per request and keeps it for the whole request: the .NET version of Flask's request context.
/// </summary>
/// <remarks>
/// <c>await db.OpenAsync()</c> pushes the scope on the flow of the method that awaits it, and an AsyncLocal change is
/// undone only when that method returns. <see cref="InvokeAsync"/> awaits <c>next</c> before it returns, so the scope is
/// <see cref="SqlHelper.Current"/> for everything after it in the pipeline (endpoints, filters, the response body), and is
/// disposed, its connection back in the pool, once the response is done. Opening the scope in a helper method that
/// returned it would not work: the push would be undone when the helper returned.
/// </remarks>
internal sealed class RequestScopeMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, SqlHelper db)
    {
        await using var scope = await db.OpenAsync(context.RequestAborted);
        await next(context);
    }
}
