import Testing
@testable import WatchpostBroadcast
