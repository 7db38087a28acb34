import ArgumentParser
public struct CommandLineEntry { public static func main() {} }
