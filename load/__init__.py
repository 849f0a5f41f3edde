"""Load and performance: Locust users behaving like tablets, and a benchmark that measures the
server side by side with a bare-websockets baseline on the same machine in the same run."""


def quiet_collector() -> None:
    """For a process simulating hundreds of tablets, once they are connected: collect, freeze what
    is left, and turn the garbage collector off for the rest of the (bounded) run.

    One process standing in for 1,250 tablets shares one heap among them; its collector's full
    passes (90–240 ms, measured) landed on a vote's opening and were counted as the server's
    fan-out time. Real tablets each have their own small heap. Reference counting still frees
    almost everything; what cycles a bounded run leaves are freed when the process ends. The
    baseline's clients do the same, so the two are measured alike."""
    import gc

    gc.collect()
    gc.freeze()
    gc.disable()
