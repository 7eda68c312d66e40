/// Every subcommand. A capability adds its commands in a file of its own and lists them here.
import WatchpostCommandLine
func allCommands() -> [Command] {
    [runCommand, checkCommand, statusCommand, probeCommand, dbCheckCommand, versionCommand, reportCommand, mailTestCommand] + webCommands + incidentCommands + escalationCommands + ledCommands
        + manifestCommands + playsCommands + registerCommands
}
