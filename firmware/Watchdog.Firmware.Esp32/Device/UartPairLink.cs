using System.IO.Ports;
using nanoFramework.Hardware.Esp32;
using Watchdog.Firmware.Glue;

namespace Watchdog.Firmware.Esp32
{
    /// <summary>
    /// The data link to the other board of a pair over UART2 (COM3): one encoded PairFrame per
    /// '\n'-ended line, cut by the glue's LineFramer (tested on the Linux board's serial link). The
    /// tick loop polls it; nothing here blocks: a frame the UART cannot take is lost, the next one
    /// carries the same state. This class is the ESP32 app's only pair code, and like the rest of
    /// the device glue it cannot be built on the project's CI (nanoFramework's packages are not
    /// served there): build it with the nanoFramework tools, after adding the two packages it needs
    /// (README.md, "Package versions").
    /// </summary>
    public sealed class UartPairLink : IPairLink
    {
        private readonly SerialPort _port;
        private readonly LineFramer _framer = new LineFramer(1024);
        private readonly byte[] _buffer = new byte[256];
        private readonly byte[] _newline = new byte[] { (byte)'\n' };
        private int _offset;
        private int _count;

        public UartPairLink(int txPin, int rxPin, int baudRate)
        {
            Configuration.SetPinFunction(txPin, DeviceFunction.COM3_TX);
            Configuration.SetPinFunction(rxPin, DeviceFunction.COM3_RX);
            _port = new SerialPort("COM3");
            _port.BaudRate = baudRate;
            _port.Parity = Parity.None;
            _port.DataBits = 8;
            _port.StopBits = StopBits.One;
            _port.Handshake = Handshake.None;
            _port.ReadBufferSize = 2048;
            _port.WriteTimeout = 0;
            _port.Open();
        }

        public void Send(byte[] frame)
        {
            try
            {
                _port.Write(frame, 0, frame.Length);
                _port.Write(_newline, 0, 1);
            }
            catch (System.Exception)
            {
                // A full transmit buffer: the frame is lost, as on a cut cable.
            }
        }

        public byte[]? Receive()
        {
            while (true)
            {
                if (_offset >= _count)
                {
                    int waiting = _port.BytesToRead;
                    if (waiting == 0)
                    {
                        return null;
                    }

                    _count = _port.Read(_buffer, 0, waiting < _buffer.Length ? waiting : _buffer.Length);
                    _offset = 0;
                }

                int used;
                byte[]? line = _framer.Push(_buffer, _offset, _count - _offset, out used);
                _offset += used;
                if (line != null)
                {
                    return line;
                }
            }
        }
    }
}
