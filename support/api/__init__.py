"""The public API as the steps call it: sync or asyncio, chosen by --api."""
