-- Docker's "one or more objects" commands (kill, stop, rm, pause...): apply fn to each name in
-- turn, print the name when it worked and "Error response from daemon: <msg>" when it did not,
-- then fail with exit status 1 if any did — after trying them all, as Docker does.
return function(names, fn)
  local failed = 0
  for _, n in ipairs(names) do
    local ok, err = pcall(fn, n)
    if ok then
      io.stdout:write(n, "\n")
    else
      failed = failed + 1
      io.stdout:flush() -- the names before it come first, also through a pipe
      io.stderr:write("Error response from daemon: ", type(err) == "table" and err.message or tostring(err), "\n")
    end
  end
  if failed > 0 then error({ code = 1, message = "" }, 0) end
  return 0
end
