-- Docker's "one or more objects" commands (kill, stop, rm, pause, restart...): apply fn to each
-- name in turn and print the name when it worked; the failures, "Error response from daemon:
-- <msg>" each (or the message alone when fn raised {plain = true, message = ...}, the CLI's own
-- "Error: No such container: X"), come after all the names, as docker/cli collects them, and
-- then the command fails with exit status 1. fn returning false skips the name quietly.
return function(names, fn)
  local errs = {}
  for _, n in ipairs(names) do
    local ok, err = pcall(fn, n)
    if ok then
      if err ~= false then io.stdout:write(n, "\n") end
    elseif type(err) == "table" and err.plain then
      errs[#errs + 1] = err.message
    else
      errs[#errs + 1] = "Error response from daemon: " .. (type(err) == "table" and err.message or tostring(err))
    end
  end
  if #errs > 0 then
    io.stdout:flush() -- the names first, also through a pipe
    io.stderr:write(table.concat(errs, "\n"), "\n")
    error({ code = 1, message = "" }, 0)
  end
  return 0
end
