// The report page's script and style sheet, compiled in from logs/report_page.js and logs/report_page.css.
#pragma once

namespace grpo::logs {

extern const char kReportScript[];
extern const char kReportStyle[];

}  // namespace grpo::logs
