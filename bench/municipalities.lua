-- wrk script: GET /api/v1/municipalities/{ags}, cycling through real AGS (bench/ags_sample.txt).
local keys = {}
for line in io.lines("bench/ags_sample.txt") do keys[#keys + 1] = line end
local i = 0
request = function()
  i = i % #keys + 1
  return wrk.format("GET", "/api/v1/municipalities/" .. keys[i])
end
