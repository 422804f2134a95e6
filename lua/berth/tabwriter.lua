-- berth.tabwriter: Go's text/tabwriter (elastic tabstops) as docker's tables use it.
-- Docker's formatter calls tabwriter.NewWriter(out, 10, 1, 3, ' ', 0): minwidth 10, padding 3.
-- Semantics kept from Go: a cell is text *terminated* by '\t'; the text after a line's last tab is
-- not part of any column and is never padded; a column's width is computed over each run of
-- consecutive lines that have a cell in that column: max(cell width + padding, minwidth).
-- Widths are display columns like docker's fork (go-runewidth): CJK and emoji count 2, "…" 1.
local M = {}

M.defaults = { minwidth = 10, padding = 3, padchar = " " }

-- Code point ranges drawn two columns wide (East Asian Wide/Fullwidth, emoji), as go-runewidth.
local WIDE = {
  { 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC }, { 0x23F0, 0x23F0 },
  { 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 }, { 0x267F, 0x267F },
  { 0x2693, 0x2693 }, { 0x26A1, 0x26A1 }, { 0x26AA, 0x26AB }, { 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 },
  { 0x26CE, 0x26CE }, { 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 }, { 0x26F5, 0x26F5 },
  { 0x26FA, 0x26FA }, { 0x26FD, 0x26FD }, { 0x2705, 0x2705 }, { 0x270A, 0x270B }, { 0x2728, 0x2728 },
  { 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 }, { 0x2757, 0x2757 }, { 0x2795, 0x2797 },
  { 0x27B0, 0x27B0 }, { 0x27BF, 0x27BF }, { 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 }, { 0x2B55, 0x2B55 },
  { 0x2E80, 0x303E }, { 0x3041, 0x33FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF },
  { 0xA960, 0xA97F }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE10, 0xFE19 }, { 0xFE30, 0xFE6F },
  { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x16FE0, 0x16FE4 }, { 0x17000, 0x18CFF }, { 0x1B000, 0x1B2FF },
  { 0x1F004, 0x1F004 }, { 0x1F0CF, 0x1F0CF }, { 0x1F18E, 0x1F18E }, { 0x1F191, 0x1F19A },
  { 0x1F200, 0x1F251 }, { 0x1F300, 0x1F320 }, { 0x1F32D, 0x1F335 }, { 0x1F337, 0x1F37C },
  { 0x1F37E, 0x1F393 }, { 0x1F3A0, 0x1F3CA }, { 0x1F3CF, 0x1F3D3 }, { 0x1F3E0, 0x1F3F0 },
  { 0x1F3F4, 0x1F3F4 }, { 0x1F3F8, 0x1F43E }, { 0x1F440, 0x1F440 }, { 0x1F442, 0x1F4FC },
  { 0x1F4FF, 0x1F53D }, { 0x1F54B, 0x1F54E }, { 0x1F550, 0x1F567 }, { 0x1F57A, 0x1F57A },
  { 0x1F595, 0x1F596 }, { 0x1F5A4, 0x1F5A4 }, { 0x1F5FB, 0x1F64F }, { 0x1F680, 0x1F6C5 },
  { 0x1F6CC, 0x1F6CC }, { 0x1F6D0, 0x1F6D2 }, { 0x1F6D5, 0x1F6D7 }, { 0x1F6EB, 0x1F6EC },
  { 0x1F6F4, 0x1F6FC }, { 0x1F7E0, 0x1F7EB }, { 0x1F90C, 0x1F93A }, { 0x1F93C, 0x1F945 },
  { 0x1F947, 0x1F9FF }, { 0x1FA70, 0x1FAFF }, { 0x20000, 0x2FFFD }, { 0x30000, 0x3FFFD },
}

-- Combining marks and zero-width characters take no column.
local ZERO = { { 0x0300, 0x036F }, { 0x200B, 0x200F }, { 0x20D0, 0x20FF }, { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F } }

local function in_ranges(cp, ranges)
  local lo, hi = 1, #ranges
  while lo <= hi do
    local mid = (lo + hi) // 2
    local r = ranges[mid]
    if cp < r[1] then hi = mid - 1 elseif cp > r[2] then lo = mid + 1 else return true end
  end
  return false
end

-- Columns one code point occupies (0, 1 or 2).
function M.rune_width(cp)
  if cp < 0x300 then return (cp < 0x20 or (cp >= 0x7F and cp < 0xA0)) and 0 or 1 end
  if in_ranges(cp, ZERO) then return 0 end
  return in_ranges(cp, WIDE) and 2 or 1
end

-- Display width of a string (runewidth.StringWidth); bytes if the text is not UTF-8.
function M.display_width(s)
  if not s:find("[\128-\255]") then return #s end
  if not utf8.len(s) then return #s end
  local w = 0
  for _, cp in utf8.codes(s) do w = w + M.rune_width(cp) end
  return w
end
local text_width = M.display_width

-- Split one line into its tab-terminated cells plus the trailing text (always the last element).
local function split_cells(line)
  local cells = {}
  for cell in (line .. "\t"):gmatch("(.-)\t") do cells[#cells + 1] = cell end
  return cells
end

-- Column widths per line: widths[i][c] for every tab-terminated cell c of line i.
local function compute_widths(rows, cfg)
  local widths = {}
  for i = 1, #rows do widths[i] = {} end
  local column = 1
  while true do
    local any = false
    local i = 1
    while i <= #rows do
      if #rows[i] - 1 >= column then
        any = true
        local first, width = i, cfg.minwidth
        while i <= #rows and #rows[i] - 1 >= column do
          width = math.max(width, text_width(rows[i][column]) + cfg.padding)
          i = i + 1
        end
        for k = first, i - 1 do widths[k][column] = width end
      else
        i = i + 1
      end
    end
    if not any then return widths end
    column = column + 1
  end
end

-- Align complete text (lines separated by "\n"); a final unterminated line is kept as is.
function M.format(text, opts)
  opts = opts or {}
  local cfg = {}
  for k, v in pairs(M.defaults) do cfg[k] = opts[k] == nil and v or opts[k] end
  if type(text) == "table" then text = table.concat(text, "\n") .. "\n" end
  local rows = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do rows[#rows + 1] = split_cells(line) end
  local widths = compute_widths(rows, cfg)
  local out = {}
  for i, cells in ipairs(rows) do
    local parts = {}
    for c, cell in ipairs(cells) do
      local w = widths[i][c]
      parts[c] = w and cell .. string.rep(cfg.padchar, w - text_width(cell)) or cell
    end
    out[i] = table.concat(parts)
  end
  return table.concat(out, "\n")
end

-- Writer object mirroring Go's API: w:write(str) buffers, w:flush() returns the aligned text.
local Writer = {}
Writer.__index = Writer

function M.new(opts)
  return setmetatable({ opts = opts, buf = {} }, Writer)
end

function Writer:write(str)
  self.buf[#self.buf + 1] = str
  return self
end

function Writer:flush()
  local text = table.concat(self.buf)
  self.buf = {}
  return M.format(text, self.opts)
end

return M
