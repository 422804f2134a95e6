-- The high-level half of the `berth` Lua module, for users' workflow scripts: container objects
-- with methods, container.run taking Docker's long flag names as table keys, image.pull, and
-- system.df. It reuses the code paths of the bundled commands (flag parsing and the container
-- document `berth run` builds), so a script and the CLI behave the same.
-- Called once by the core with the `berth` table to extend; it must not require "berth" itself.
return function(berth)
  local function common()
    local root = berth.config.effective().root_dir
    return dofile(root .. "/scripts/container/_common.lua")
  end

  local Container = {}
  Container.__index = Container
  Container.__tostring = function(c) return "container " .. c.id:sub(1, 12) end

  local function wrap(id) return setmetatable({ id = id }, Container) end

  -- c:wait() -> exit code, once the container has stopped
  function Container:wait() return berth.container.wait(self.id) end
  -- c:logs{tail=, since=, until=} -> the log text (stdout and stderr interleaved)
  function Container:logs(opts)
    local out = {}
    berth.container.logs(self.id, opts or {}, function(_, line) out[#out + 1] = line end)
    return table.concat(out)
  end
  function Container:start() berth.container.start(self.id, { attach = false }) return self end
  function Container:stop(timeout) berth.container.stop(self.id, timeout) return self end
  function Container:kill(signal) berth.container.kill(self.id, signal or "KILL") return self end
  function Container:remove(opts) berth.container.remove(self.id, opts or {}) end
  function Container:inspect() return berth.container.inspect(self.id) end
  function Container:exec(cmd, opts)
    local o = {}
    for k, v in pairs(opts or {}) do o[k] = v end
    o.cmd = cmd
    return berth.container.exec(self.id, o)
  end

  -- Turn {image=, cmd=, network="none", env={...}, rm=true, ...} into `run` arguments.
  local function run_args(spec)
    local args = {}
    local keys = {}
    for k in pairs(spec) do
      if k ~= "image" and k ~= "cmd" then keys[#keys + 1] = k end
    end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local flag, v = "--" .. tostring(k):gsub("_", "-"), spec[k]
      if v == true then
        args[#args + 1] = flag
      elseif type(v) == "table" then
        for _, item in ipairs(v) do args[#args + 1] = flag .. "=" .. tostring(item) end
      elseif v ~= false and v ~= nil then
        args[#args + 1] = flag .. "=" .. tostring(v)
      end
    end
    local image = spec.image
    if type(image) == "table" then image = image.Id or image.id end
    if type(image) ~= "string" then error("container.run: 'image' must be a name, an id or an image", 2) end
    args[#args + 1] = image
    local cmd = spec.cmd
    if type(cmd) == "string" then cmd = { "sh", "-c", cmd } end
    for _, a in ipairs(cmd or {}) do args[#args + 1] = a end
    return args
  end

  -- container.run{image=, cmd=, <any `berth run` long flag>=value} -> a started container object
  function berth.container.run(spec)
    local cli = require "berth.cli"
    local c = common()
    local opts, positional, changed = cli.check(run_args(spec), {
      name = "berth.container.run", usage = "{image=, cmd=, ...}", flags = c.CREATE_FLAGS,
      interspersed = false, min_args = 1 })
    local doc, rootfs = c.build(opts, changed, positional)
    local id = c.create(doc, rootfs)
    berth.container.start(id, { attach = false })
    return wrap(id)
  end

  -- container.get(name_or_id) -> object, or nil when there is no such container
  function berth.container.get(ref)
    local info = berth.container.inspect(ref)
    return info and wrap(info.Id) or nil
  end

  -- image.pull(ref, {on_progress=, platform=}) -> the image (as image.find returns it)
  function berth.image.pull(ref, opts)
    local id = berth.registry.pull(ref, opts or {})
    return berth.image.find(id)
  end

  -- image.list accepts {reference = "team/app"} as a shorthand for the reference filter
  local list = berth.image.list
  function berth.image.list(opts)
    opts = opts or {}
    if opts.reference then
      local o = { all = opts.all, filters = {} }
      for k, v in pairs(opts.filters or {}) do o.filters[k] = v end
      o.filters.reference = { opts.reference }
      return list(o)
    end
    return list(opts)
  end

  -- system.df() -> Docker's `system df` summary: {Images=, Containers=, Volumes=} each
  -- {TotalCount, Active, Size, Reclaimable}
  function berth.system.df()
    local images, used = berth.image.list{ all = true }, {}
    local containers = berth.container.list{ all = true }
    local res = { Images = { TotalCount = #images, Active = 0, Size = 0, Reclaimable = 0 },
                  Containers = { TotalCount = #containers, Active = 0, Size = 0, Reclaimable = 0 },
                  Volumes = { TotalCount = 0, Active = 0, Size = 0, Reclaimable = 0 } }
    for _, c in ipairs(containers) do
      used[c.ImageID or c.Image or ""] = true
      local running = type(c.State) == "table" and c.State.Running or c.State == "running"
      if running then res.Containers.Active = res.Containers.Active + 1 end
    end
    for _, img in ipairs(images) do
      res.Images.Size = res.Images.Size + (img.Size or 0)
      if used[img.Id] then res.Images.Active = res.Images.Active + 1
      else res.Images.Reclaimable = res.Images.Reclaimable + (img.Size or 0) end
    end
    if berth.volume and berth.volume.list then
      local vols = berth.volume.list()
      res.Volumes.TotalCount = #vols
    end
    return res
  end
end
