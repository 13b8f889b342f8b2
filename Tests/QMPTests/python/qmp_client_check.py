"""Drives vmigd with the qemu.qmp library exactly as a management tool would.

Usage: qmp_client_check.py SOCKET. Prints "OK qemu.qmp" and exits 0 when every check passed.
"""
import asyncio
import sys

from qemu.qmp import ExecuteError, QMPClient


async def main(path: str) -> None:
    client = QMPClient("vmig-check")
    await client.connect(path)
    assert "oob" in client.greeting.QMP.capabilities, client.greeting
    assert client.greeting.QMP.version["qemu"]["major"] == 10

    status = await client.execute("query-status")
    assert status == {"status": "running", "running": True}, status

    version = await client.execute("query-version")
    assert version["package"].startswith("vmig"), version

    try:
        await client.execute("no-such-command")
        raise AssertionError("unknown command succeeded")
    except ExecuteError as error:
        assert error.error_class == "CommandNotFound", error.error_class
        assert str(error) == "The command no-such-command has not been found", str(error)

    with client.listener() as listener:
        await client.execute("stop")
        await client.execute("cont")
        names = []
        async for event in listener:
            names.append(event["event"])
            if event["event"] == "RESUME":
                break
    assert names == ["STOP", "RESUME"], names

    await client.execute("quit")
    try:
        await client.disconnect()
    except EOFError:
        pass
    print("OK qemu.qmp")


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1]), 30))
