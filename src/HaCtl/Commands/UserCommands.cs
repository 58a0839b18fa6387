using System.CommandLine;
using System.Net.Http.Json;
using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Cib.Projections.Store;
using HaCtl.Api;

namespace HaCtl;

/// <summary>
/// <c>hactl user add|list|passwd|role|remove</c>: through the API as a logged-in admin; <c>add</c> and <c>list</c> with
/// <c>--store</c> work on the store directly, on the store host: how the first admin is created before anyone can log in.
/// Passwords are read from the first line of stdin: never on the command line, where ps would show them.
/// </summary>
public static class UserCommands
{
    public static Command Create()
    {
        var store = new Option<bool>("--store") { Description = "on the store directly (HA_CONNECTION), not through the API: the first admin, on the store host" };

        var name = new Argument<string>("NAME") { Description = "the user name (letters, digits, '.', '_', '-', '@')" };
        var role = new Option<UserRole>("--role") { Description = "auditor, operator or admin", DefaultValueFactory = _ => UserRole.Auditor };
        var add = new Command("add", "create a user; the password is read from the first line of stdin") { name, role, store };
        add.SetBody(async (parse, stdout, stderr) =>
        {
            var password = Console.In.ReadLine() ?? "";
            var (user, userRole) = (parse.GetValue(name)!, parse.GetValue(role));
            if (parse.GetValue(store))
            {
                using var documents = CibStore.Create(Store.ConnectionString());
                try
                {
                    await new UserStore(documents).ChangeAsync(new AddUser(user, userRole), password, Meta());
                }
                catch (DomainException e)
                {
                    foreach (var error in e.Errors) stderr.WriteLine($"user add: refused: {error.Message} ({error.Code})");
                    return 1;
                }
            }
            else
            {
                using var client = ApiCommands.LoggedIn().Client();
                await ApiProblemException.ThrowIfFailedAsync(await client.PostAsJsonAsync("api/v1/users", new { name = user, role = userRole.ToString(), password }));
            }
            stdout.WriteLine($"user {user} added as {userRole.ToString().ToLowerInvariant()}");
            return 0;
        });

        var list = new Command("list", "the users and their roles") { store };
        list.SetBody(async (parse, stdout, _) =>
        {
            IEnumerable<(string Name, UserRole Role)> users;
            if (parse.GetValue(store))
            {
                using var documents = CibStore.Create(Store.ConnectionString());
                users = (await new UserStore(documents).LoadAsync()).State.Roles.Select(r => (r.Key, r.Value));
            }
            else
            {
                using var client = ApiCommands.LoggedIn().Client();
                var answer = await ApiProblemException.ReadAsync<List<UserView>>(await client.GetAsync("api/v1/users"));
                users = answer.Select(u => (u.Name, u.Role));
            }
            foreach (var (user, r) in users) stdout.WriteLine($"{user}\t{r.ToString().ToLowerInvariant()}");
            return 0;
        });

        var passwdName = new Argument<string>("NAME") { Description = "the user" };
        var passwd = new Command("passwd", "set a user's password (read from the first line of stdin)") { passwdName };
        passwd.SetBody((parse, stdout, _) => PatchAsync(parse.GetValue(passwdName)!, new { password = Console.In.ReadLine() ?? "" }, "password set", stdout));

        var roleName = new Argument<string>("NAME") { Description = "the user" };
        var newRole = new Argument<UserRole>("ROLE") { Description = "auditor, operator or admin" };
        var changeRole = new Command("role", "change a user's role") { roleName, newRole };
        changeRole.SetBody((parse, stdout, _) =>
            PatchAsync(parse.GetValue(roleName)!, new { role = parse.GetValue(newRole).ToString() }, $"now {parse.GetValue(newRole).ToString().ToLowerInvariant()}", stdout));

        var removeName = new Argument<string>("NAME") { Description = "the user" };
        var remove = new Command("remove", "remove a user: its tokens stop working at once") { removeName };
        remove.SetBody(async (parse, stdout, _) =>
        {
            using var client = ApiCommands.LoggedIn().Client();
            await ApiProblemException.ThrowIfFailedAsync(await client.DeleteAsync($"api/v1/users/{Uri.EscapeDataString(parse.GetValue(removeName)!)}"));
            stdout.WriteLine($"user {parse.GetValue(removeName)} removed");
            return 0;
        });

        return new Command("user", "users of the API and their roles (an admin's, through the API; --store on the store host)") { add, list, passwd, changeRole, remove };
    }

    private sealed record UserView(string Name, UserRole Role);

    private static async Task<int> PatchAsync(string user, object body, string done, TextWriter stdout)
    {
        using var client = ApiCommands.LoggedIn().Client();
        await ApiProblemException.ThrowIfFailedAsync(await client.PatchAsJsonAsync($"api/v1/users/{Uri.EscapeDataString(user)}", body));
        stdout.WriteLine($"user {user}: {done}");
        return 0;
    }

    private static CommandMetadata Meta() =>
        CommandMetadata.For(Actor.System(Environment.UserName is { Length: > 0 } u ? $"hactl:{u}" : "hactl"));
}
