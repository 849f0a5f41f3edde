"""The session server: roll, check-in, agenda, votes, fan-out to tablets, durable ballots."""
