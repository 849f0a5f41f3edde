"""One use case per module. Each is a function ``(tx, ...)`` run inside the writer's transaction:
it checks state, writes rows, stages audit records, and registers what changes in memory and what
is published after commit (design.md "Server")."""
