using System.Device.Gpio;

namespace Watchdog.Agent.Tests.Support;

/// <summary>
/// A System.Device.Gpio driver that records writes and serves inputs from a table: the
/// library's own seam (GpioDriver), so GpioController code runs unchanged against it.
/// FailOpen and FailWrites simulate a device that is busy or went away.
/// </summary>
public sealed class RecordingGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinMode> _modes = new();
    private readonly Dictionary<int, PinValue> _inputs = new();

    public List<(int Pin, PinValue Value)> Writes { get; } = new();

    public Exception? FailOpen { get; set; }

    public Exception? FailWrites { get; set; }

    public void SetInput(int pin, PinValue value)
    {
        lock (_inputs)
        {
            _inputs[pin] = value;
        }
    }

    protected override int PinCount => 64;

    protected override void OpenPin(int pinNumber)
    {
        if (FailOpen != null)
        {
            throw FailOpen;
        }
    }

    protected override void ClosePin(int pinNumber)
    {
    }

    protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;

    protected override PinMode GetPinMode(int pinNumber) => _modes.TryGetValue(pinNumber, out PinMode m) ? m : PinMode.Input;

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber)
    {
        lock (_inputs)
        {
            return _inputs.TryGetValue(pinNumber, out PinValue v) ? v : PinValue.Low;
        }
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        if (FailWrites != null)
        {
            throw FailWrites;
        }

        lock (Writes)
        {
            Writes.Add((pinNumber, value));
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        throw new NotSupportedException();

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        throw new NotSupportedException();
}
