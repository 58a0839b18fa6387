using System.CommandLine;
using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Cib.Projections.Store;

namespace HaCtl;

/// <summary>
/// <c>hactl user add NAME --role ROLE</c> and <c>hactl user list</c> on the store host: how the first admin is created
/// before the API can be used (the password is read from stdin: never on the command line, where ps would show it).
/// The actor recorded is the local account running hactl.
/// </summary>
public static class UserCommands
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "the user name (letters, digits, '.', '_', '-', '@')" };
        var role = new Option<UserRole>("--role") { Description = "auditor, operator or admin", DefaultValueFactory = _ => UserRole.Auditor };
        var add = new Command("add", "create a user; the password is read from the first line of stdin") { name, role };
        add.SetBody(async (parse, stdout, stderr) =>
        {
            var password = Console.In.ReadLine() ?? "";
            using var store = CibStore.Create(Store.ConnectionString());
            try
            {
                await new UserStore(store).ChangeAsync(new AddUser(parse.GetValue(name)!, parse.GetValue(role)), password, Meta());
            }
            catch (DomainException e)
            {
                foreach (var error in e.Errors) stderr.WriteLine($"user add: refused: {error.Message} ({error.Code})");
                return 1;
            }
            stdout.WriteLine($"user {parse.GetValue(name)} added as {parse.GetValue(role).ToString().ToLowerInvariant()}");
            return 0;
        });

        var list = new Command("list", "the users and their roles");
        list.SetBody(async (_, stdout, _) =>
        {
            using var store = CibStore.Create(Store.ConnectionString());
            foreach (var (user, r) in (await new UserStore(store).LoadAsync()).State.Roles)
                stdout.WriteLine($"{user}\t{r.ToString().ToLowerInvariant()}");
            return 0;
        });
        return new Command("user", "users of the API and their roles (on the store host)") { add, list };
    }

    private static CommandMetadata Meta() =>
        CommandMetadata.For(Actor.System(Environment.UserName is { Length: > 0 } u ? $"hactl:{u}" : "hactl"));
}
