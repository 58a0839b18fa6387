using Cib.Domain.Configuration;

namespace Cib.Domain.Constraints;

public sealed record DefineConstraint(Constraint Constraint) : IConfigurationCommand;
public sealed record UpdateConstraint(Constraint Constraint) : IConfigurationCommand;
public sealed record DeleteConstraint(string Id) : IConfigurationCommand;
