-- berth.inspect: how the inspect commands print what they found. Each object through the
-- --format template, else all of them as Docker prints the daemon's JSON (no HTML escaping,
-- re-indented by 4 spaces).
local berth = require "berth"
local template = require "berth.template"

local M = {}

-- JSON null prints as Go's <nil> in every inspect template.
template.register_null(berth.json.null)

local function compile(format, code)
  local tmpl, err = template.compile(template.parse_format(format).body)
  if not tmpl then error({ code = code, message = "template parsing error: " .. err }, 0) end
  return tmpl
end

local function write(objs, tmpl, render_prefix)
  if tmpl then
    for _, obj in ipairs(objs) do
      local out, err = tmpl:render(obj)
      if not out then error({ code = 1, message = render_prefix .. err }, 0) end
      io.stdout:write(out, "\n")
    end
  else
    io.stdout:write(berth.json.encode(objs, { indent = 4 }), "\n")
  end
end

-- `inspect` and `image inspect` check --format before any lookup: a bad one exits 125.
function M.compile(format)
  return format ~= "" and compile(format, 125) or nil
end

-- `inspect`, `image inspect`: print found, then each of errs as an error; the exit code.
function M.print_found(found, errs, tmpl)
  write(found, tmpl, "")
  io.stdout:flush()
  for _, e in ipairs(errs) do io.stderr:write("Error: ", e, "\n") end
  return #errs > 0 and 1 or 0
end

-- `container inspect`, `volume inspect`: print objs, name each missing one ("No such <what>"),
-- and fail with exit 1 if any was.
function M.print_or_fail(objs, missing, what, format)
  write(objs, format ~= "" and compile(format, 1) or nil, "template: ")
  for _, n in ipairs(missing) do io.stderr:write("Error: No such ", what, ": ", n, "\n") end
  if #missing > 0 then error({ code = 1, message = "" }, 0) end
  return 0
end

return M
