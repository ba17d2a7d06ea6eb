#include "app/command.h"

namespace grpo::app {

std::vector<RegisteredCommand>& registered_commands() {
  static std::vector<RegisteredCommand> commands;
  return commands;
}

CommandRegistration::CommandRegistration(const char* name, int order, AddCommand add) {
  registered_commands().push_back({name, order, add});
}

}  // namespace grpo::app
