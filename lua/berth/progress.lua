-- berth.progress: Docker's jsonmessage rendering of pull/push progress events, shared by
-- `berth pull`, `berth push` and `berth run`/`create` (which pull a missing image on stderr).
-- On a terminal each layer keeps one line, redrawn in place with cursor movements (bars when the
-- terminal is wider than 110 columns); otherwise one line per status change and no bars.
local berth = require "berth"
local units = require "berth.units"

local M = {}

local function columns()
  local c = tonumber(os.getenv("COLUMNS") or "")
  if c then return c end
  local p = io.popen("stty size 2>/dev/null </dev/tty")
  local out = p and p:read("l") or ""
  if p then p:close() end
  return tonumber(out:match("%d+ (%d+)")) or 80
end

local function progress_text(ev, width)
  if not ev.total then return "" end
  local bar = ""
  if width > 110 then
    -- jsonmessage: percentage/2 cells of '=', a '>' head, spaces to 50
    local n = math.floor(math.floor(ev.current / ev.total * 100) / 2)
    if n > 50 then n = 50 end
    bar = "[" .. string.rep("=", n) .. ">" .. string.rep(" ", 50 - n) .. "] "
  end
  local cur = units.human_size(ev.current, 4)
  return bar .. string.format("%8s/%s", cur, units.human_size(ev.total, 4))
end

-- A function(ev) for on_progress that writes to file (io.stdout or io.stderr; fd for isatty).
-- A pull's "<tag>: Pulling from" starts a fresh block of layer lines (pull -a).
function M.renderer(file, fd)
  local tty = berth.system.isatty(fd or 1)
  local width = tty and columns() or 80
  local lines, order, last_status = {}, {}, {}
  return function(ev)
    if not ev.id then
      if ev.status:find(": Pulling from ", 1, true) then lines, order, last_status = {}, {}, {} end
      file:write(ev.status, "\n")
      file:flush()
      return
    end
    local text = ev.id .. ": " .. ev.status .. (tty and ev.total and " " .. progress_text(ev, width) or "")
    if not tty then
      if ev.total or last_status[ev.id] == ev.status then return end
      last_status[ev.id] = ev.status
      file:write(text, "\n")
      file:flush()
      return
    end
    local idx = lines[ev.id]
    if not idx then
      order[#order + 1] = ev.id
      lines[ev.id] = #order
      file:write(text, "\n")
    else
      local up = #order - idx + 1
      file:write(string.format("\27[%dA\r\27[2K%s\r\27[%dB", up, text, up))
    end
    file:flush()
  end
end

return M
