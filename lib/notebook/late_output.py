"""nbconvert's notebook executor, keeping the outputs a kernel publishes after it went idle.

Deno's Jupyter kernel (2.9) now and then publishes a cell's `execute_result` or `display_data`
after its `status: idle` message. nbclient stops listening to a cell at idle and ignores messages
whose parent is an earlier cell, so a headless run (`jupyter nbconvert --execute`) loses those
outputs silently, while JupyterLab, which routes every message by its parent, shows them. This
executor routes such late messages to the cell they belong to, and after the last code cell waits
briefly for any still on their way. `lib/notebook/execute.ts` runs notebooks with it.
"""
import asyncio
import queue

from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async, run_sync
from nbconvert.preprocessors import ExecutePreprocessor

OUTPUT_TYPES = ("display_data", "execute_result", "stream", "error", "update_display_data")
FINAL_WAIT_SECONDS = 2.0


class LateOutputExecutePreprocessor(ExecutePreprocessor):
    """`ExecutePreprocessor` that routes late outputs to their own cell."""

    def _cells(self):
        return self.__dict__.setdefault("_late_cells", {})

    def _route_late(self, msg):
        target = self._cells().get(msg["parent_header"].get("msg_id"))
        if target is None or msg["msg_type"] not in OUTPUT_TYPES:
            return
        self.log.info("late %s routed to cell %s", msg["msg_type"], target[1])
        try:
            self.process_message(msg, *target)
        except CellExecutionComplete:
            pass

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        self._cells()[parent_msg_id] = (cell, cell_index)
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return
            else:
                self._route_late(msg)

    async def _async_drain_late(self, seconds):
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (remaining := end - loop.time()) > 0:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=remaining))
            except (queue.Empty, asyncio.TimeoutError, TimeoutError):
                return
            self._route_late(msg)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        code = [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]
        if code and cell_index == code[-1]:
            await self._async_drain_late(FINAL_WAIT_SECONDS)
        return result

    execute_cell = run_sync(async_execute_cell)
