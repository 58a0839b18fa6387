using Cib.Domain.Users;
using Xunit;

namespace Cib.Domain.Tests.Users;

public sealed class UserDeciderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    private static UsersState Given(params IUserEvent[] events) => UserDecider.Fold(events);

    private static readonly UsersState AdaAdmin = Given(new UserAdded("ada", UserRole.Admin, At));

    [Theory]
    [InlineData("ada", true)]
    [InlineData("ops.team_1-x@site", true)]
    [InlineData("", false)]
    [InlineData("../etc", false)]
    [InlineData("a/b", false)]
    [InlineData("a'b", false)]
    [InlineData("a b", false)]
    [InlineData("a\nb", false)]
    [InlineData(".hidden", false)]
    public void Names_are_plain_words(string name, bool valid)
    {
        Assert.Equal(valid, UserDecider.IsValidName(name));
        var decision = UserDecider.Decide(new AddUser(name, UserRole.Auditor), UsersState.Empty, At);
        Assert.Equal(valid, decision.IsAccepted);
        if (!valid) Assert.Equal("user-name-invalid", decision.Errors[0].Code);
    }

    [Fact]
    public void A_user_is_added_once()
    {
        Assert.Equal([new UserAdded("otto", UserRole.Operator, At)], UserDecider.Decide(new AddUser("otto", UserRole.Operator), AdaAdmin, At).Events);
        Assert.Equal("user-exists", UserDecider.Decide(new AddUser("ada", UserRole.Auditor), AdaAdmin, At).Errors[0].Code);
    }

    [Fact]
    public void Commands_on_an_unknown_user_are_refused()
    {
        foreach (var command in new UserCommand[] { new ChangeUserRole("x", UserRole.Admin), new ChangeUserPassword("x"), new RemoveUser("x") })
            Assert.Equal("user-unknown", UserDecider.Decide(command, AdaAdmin, At).Errors[0].Code);
    }

    [Fact]
    public void The_last_admin_is_neither_removed_nor_demoted_but_one_of_two_may_be()
    {
        Assert.Equal("last-admin", UserDecider.Decide(new RemoveUser("ada"), AdaAdmin, At).Errors[0].Code);
        Assert.Equal("last-admin", UserDecider.Decide(new ChangeUserRole("ada", UserRole.Operator), AdaAdmin, At).Errors[0].Code);
        var two = UserDecider.Evolve(AdaAdmin, new UserAdded("bea", UserRole.Admin, At));
        Assert.Equal([new UserRemoved("ada", At)], UserDecider.Decide(new RemoveUser("ada"), two, At).Events);
        // A password change of the last admin is fine; so is a role "change" to the role it has (nothing happens).
        Assert.Equal([new UserPasswordChanged("ada", At)], UserDecider.Decide(new ChangeUserPassword("ada"), AdaAdmin, At).Events);
        Assert.Empty(UserDecider.Decide(new ChangeUserRole("ada", UserRole.Admin), AdaAdmin, At).Events);
    }

    [Fact]
    public void The_fold_follows_roles_and_removals()
    {
        var s = Given(new UserAdded("ada", UserRole.Admin, At), new UserAdded("otto", UserRole.Auditor, At),
            new UserRoleChanged("otto", UserRole.Operator, At), new UserPasswordChanged("otto", At), new UserRemoved("ada", At));
        Assert.Null(s.RoleOf("ada"));
        Assert.Equal(UserRole.Operator, s.RoleOf("otto"));
    }
}
